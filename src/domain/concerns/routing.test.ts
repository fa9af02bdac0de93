import { type RoutableConcern, routeConcern, type RoutingDirectory } from './routing';

const everyone: RoutingDirectory = {
  dslChannelRegistered: true,
  headteacherAadId: 'head',
  chairAadId: 'chair',
  dpoAadId: 'dpo',
  itManagerAadId: 'it',
};

const concern = (overrides: Partial<RoutableConcern>): RoutableConcern => ({
  about: 'pupil',
  category: 'online-bullying',
  urgency: 'standard',
  ...overrides,
});

describe('routeConcern', () => {
  it.each([
    ['pupil, standard', concern({}), everyone, 'dsl-team', [{ to: 'dsl-channel', mentionAllDsls: false }], []],
    ['pupil, urgent: every DSL is mentioned', concern({ urgency: 'urgent' }), everyone, 'dsl-team', [{ to: 'dsl-channel', mentionAllDsls: true }], []],
    [
      'data breach: the DSL team and the DPO',
      concern({ category: 'data-breach' }),
      everyone,
      'dsl-team',
      [{ to: 'dsl-channel', mentionAllDsls: false }, { to: 'person', role: 'dpo', aadObjectId: 'dpo', view: 'full' }],
      [],
    ],
    [
      'filtering failure: the DSL team and a notice to IT',
      concern({ category: 'filtering-failure' }),
      everyone,
      'dsl-team',
      [{ to: 'dsl-channel', mentionAllDsls: false }, { to: 'person', role: 'it-manager', aadObjectId: 'it', view: 'notice' }],
      [],
    ],
    [
      'about a member of staff: the headteacher privately, never the DSL channel',
      concern({ about: 'adult', category: 'concern-about-adult' }),
      everyone,
      'headteacher',
      [{ to: 'person', role: 'headteacher', aadObjectId: 'head', view: 'full' }],
      [],
    ],
    [
      'about a member of staff, urgent: still only the headteacher',
      concern({ about: 'adult', urgency: 'urgent' }),
      everyone,
      'headteacher',
      [{ to: 'person', role: 'headteacher', aadObjectId: 'head', view: 'full' }],
      [],
    ],
    [
      'about the headteacher: the chair, never the headteacher',
      concern({ about: 'headteacher', category: 'concern-about-adult' }),
      everyone,
      'chair',
      [{ to: 'person', role: 'chair', aadObjectId: 'chair', view: 'full' }],
      [],
    ],
    [
      'about the headteacher and a data breach: still only the chair',
      concern({ about: 'headteacher', category: 'data-breach' }),
      everyone,
      'chair',
      [{ to: 'person', role: 'chair', aadObjectId: 'chair', view: 'full' }],
      [],
    ],
    [
      'about an adult with no headteacher configured: the chair',
      concern({ about: 'adult' }),
      { ...everyone, headteacherAadId: undefined },
      'chair',
      [{ to: 'person', role: 'chair', aadObjectId: 'chair', view: 'full' }],
      [],
    ],
    ['about an adult with nobody configured: held', concern({ about: 'adult' }), { dslChannelRegistered: true }, 'headteacher', [], ['no-headteacher-or-chair']],
    ['about the headteacher with no chair: held, never the headteacher', concern({ about: 'headteacher' }), { ...everyone, chairAadId: undefined }, 'chair', [], ['no-chair']],
    ['no DSL channel yet: queued and flagged', concern({}), { dslChannelRegistered: false }, 'dsl-team', [{ to: 'dsl-channel', mentionAllDsls: false }], ['no-dsl-channel']],
    ['data breach with no DPO: flagged', concern({ category: 'data-breach' }), { dslChannelRegistered: true }, 'dsl-team', [{ to: 'dsl-channel', mentionAllDsls: false }], ['no-dpo']],
  ])('%s', (_name, input, directory, recipient, deliveries, problems) => {
    const decision = routeConcern(input, directory);
    expect(decision.recipient).toBe(recipient);
    expect(decision.deliveries).toEqual(deliveries);
    expect(decision.problems).toEqual(problems);
  });

  it('never sends a concern about an adult anywhere near the DSL channel', () => {
    for (const about of ['adult', 'headteacher'] as const) {
      for (const urgency of ['urgent', 'standard'] as const) {
        for (const category of ['data-breach', 'filtering-failure', 'concern-about-adult', 'grooming'] as const) {
          const decision = routeConcern({ about, urgency, category }, everyone);
          expect(decision.deliveries.some((d) => d.to === 'dsl-channel')).toBe(false);
          if (about === 'headteacher') expect(decision.deliveries.some((d) => d.to === 'person' && d.aadObjectId === 'head')).toBe(false);
        }
      }
    }
  });
});
