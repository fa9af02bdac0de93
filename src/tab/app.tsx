import { useCallback, useEffect, useMemo, useState } from 'react';
import { AriaLiveAnnouncer, Button, FluentProvider, makeStyles, Tab, TabList, Text, teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme, tokens, type Theme } from '@fluentui/react-components';
import { app as teamsApp, pages } from '@microsoft/teams-js';
import type { Host, ThemeName } from './host';
import { createApi } from './api';
import type { Me, QueueItem, TabView } from './api-types';
import { ErrorBar, Loading, useLoad } from './common';
import { DEFAULT_FILTERS, QueueView, type QueueFilters } from './views/queue-view';
import { ConcernDetailView } from './views/concern-detail-view';
import { PupilChronologyView } from './views/pupil-chronology-view';
import { PrivateConcernsView } from './views/private-concerns-view';
import { AccessLogView } from './views/access-log-view';
import { RecordsView } from './views/records-view';
import { MyReportsView } from './views/my-reports-view';
import { GovernorsView } from './views/governors-view';
import { AdminSettingsView, AupRegisterView, SharingAuditView } from './views/admin-views';

const THEMES: Record<ThemeName, Theme> = { default: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme };

const VIEW_TITLES: Record<TabView, string> = {
  queue: 'Concerns',
  'private-concerns': 'About adults',
  'access-log': 'Access log',
  records: 'Records',
  governors: 'Governors’ report',
  'admin-settings': 'Settings',
  'sharing-audit': 'Sharing audit',
  'aup-register': 'AUPs',
  'my-reports': 'My reports',
};

const useShellStyles = makeStyles({
  provider: { minHeight: '100vh', backgroundColor: tokens.colorNeutralBackground3, display: 'flex', flexDirection: 'column' },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: '16px',
    padding: '0 20px',
    minHeight: '48px',
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
    flexWrap: 'wrap',
  },
  brand: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, color: tokens.colorNeutralForeground1 },
  spacer: { flexGrow: 1 },
  main: { padding: '20px 24px 32px', flexGrow: 1, maxWidth: '1400px', width: '100%', boxSizing: 'border-box' },
  skip: {
    position: 'absolute',
    left: '-10000px',
    ':focus': { left: '8px', top: '8px', zIndex: 10, padding: '8px', backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1 },
  },
});

type Screen = { kind: 'view'; view: TabView } | { kind: 'concern'; concernId: string } | { kind: 'pupil'; concernId: string; position: number };

export function App({ host }: { host: Host }) {
  const [theme, setTheme] = useState<ThemeName>(host.theme);
  useEffect(() => host.onThemeChange(setTheme), [host]);
  return (
    <FluentProvider theme={THEMES[theme]} className={useShellStyles().provider}>
      {/* Without an announcer Fluent's message bars are silent: errors and "Recorded" never reach a screen reader. */}
      <AriaLiveAnnouncer>{host.page === 'configure' ? <ConfigurePage host={host} /> : host.kind === 'none' ? <OutsideTeams /> : <Shell host={host} />}</AriaLiveAnnouncer>
    </FluentProvider>
  );
}

function Shell({ host }: { host: Host }) {
  const s = useShellStyles();
  const api = useMemo(() => createApi(host), [host]);
  const me = useLoad<Me>(api, 'me');
  const [stack, setStack] = useState<Screen[]>([]);
  const [filters, setFilters] = useState<QueueFilters>(DEFAULT_FILTERS);
  const initial = useMemo(() => new URLSearchParams(window.location.search).get('view') as TabView | null, []);
  const views = me.data?.views ?? [];
  const screen: Screen | undefined = stack[stack.length - 1] ?? (views.length ? { kind: 'view', view: initial && views.includes(initial) ? initial : views[0]! } : undefined);
  const currentView = [...stack].reverse().find((x): x is Extract<Screen, { kind: 'view' }> => x.kind === 'view')?.view ?? (screen?.kind === 'view' ? screen.view : undefined);

  const push = useCallback((next: Screen) => setStack((st) => [...st, next]), []);
  const back = useCallback(() => setStack((st) => st.slice(0, -1)), []);
  const openConcern = useCallback((c: QueueItem) => push({ kind: 'concern', concernId: c.concernId }), [push]);
  useEffect(() => {
    // Keep focus sensible for keyboard users: a new screen moves focus to its heading.
    const h1 = document.querySelector('main h1') as HTMLElement | null;
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: false });
    }
  }, [stack]);

  return (
    <>
      <a href="#main" className={s.skip}>
        Skip to content
      </a>
      <header className={s.header}>
        <span className={s.brand}>Jigsaw</span>
        {views.length > 1 && (
          <nav aria-label="Jigsaw views">
            <TabList selectedValue={currentView} onTabSelect={(_, d) => setStack([{ kind: 'view', view: d.value as TabView }])} size="medium">
              {views.map((v) => (
                <Tab key={v} value={v}>
                  {VIEW_TITLES[v]}
                </Tab>
              ))}
            </TabList>
          </nav>
        )}
        <span className={s.spacer} />
        {me.data && <Text size={200}>{me.data.name}</Text>}
      </header>
      <main id="main" className={s.main}>
        {me.error && <ErrorBar error={me.error} title="Jigsaw could not sign you in" />}
        {me.loading && !me.data && <Loading label="Signing in…" />}
        {screen?.kind === 'view' && renderView(screen.view)}
        {screen?.kind === 'concern' && <ConcernDetailView api={api} concernId={screen.concernId} onBack={back} onPupil={(concernId, position) => push({ kind: 'pupil', concernId, position })} />}
        {screen?.kind === 'pupil' && <PupilChronologyView api={api} host={host} concernId={screen.concernId} position={screen.position} onBack={back} onOpen={openConcern} />}
      </main>
    </>
  );

  function renderView(view: TabView) {
    switch (view) {
      case 'queue':
        return <QueueView api={api} filters={filters} onFilters={setFilters} onOpen={openConcern} />;
      case 'private-concerns':
        return <PrivateConcernsView api={api} onOpen={openConcern} />;
      case 'access-log':
        return <AccessLogView api={api} />;
      case 'records':
        return <RecordsView api={api} />;
      case 'governors':
        return <GovernorsView api={api} />;
      case 'admin-settings':
        return <AdminSettingsView api={api} />;
      case 'sharing-audit':
        return <SharingAuditView api={api} />;
      case 'aup-register':
        return <AupRegisterView api={api} />;
      case 'my-reports':
        return <MyReportsView api={api} />;
    }
  }
}

function OutsideTeams() {
  const s = useShellStyles();
  return (
    <main id="main" className={s.main}>
      <h1>Jigsaw</h1>
      <p>Open Jigsaw from Microsoft Teams: the tab signs you in with your school account there.</p>
    </main>
  );
}

/** The channel tab's configuration page: there is nothing to choose, so saving is allowed at once. */
function ConfigurePage({ host }: { host: Host }) {
  const s = useShellStyles();
  useEffect(() => {
    if (host.kind !== 'teams') return;
    pages.config.registerOnSaveHandler((event) => {
      const base = `${window.location.origin}/tab`;
      void pages.config.setConfig({ entityId: 'jigsaw-channel', contentUrl: `${base}/channel`, websiteUrl: `${base}/personal`, suggestedDisplayName: 'Jigsaw' }).then(() => event.notifySuccess());
    });
    pages.config.setValidityState(true);
    void teamsApp.notifySuccess();
  }, [host]);
  return (
    <main id="main" className={s.main}>
      <h1>Add Jigsaw to this channel</h1>
      <p>The tab shows each person what their role allows: the DSL team sees the concern queue, governors see anonymised figures, and everyone sees their own reports.</p>
      <Button appearance="primary" disabled={host.kind !== 'teams'}>
        Select Save to add the tab
      </Button>
    </main>
  );
}
