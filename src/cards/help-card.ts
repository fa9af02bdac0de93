import { type AdaptiveCard, card, execute, field, heading, literal, text } from './card-kit';
import { REPORT_VERBS } from './report-card';

export interface HelpView {
  schoolName: string;
  /** Display names of the DSL team from the channel roster; empty when not set up yet. */
  dslNames: string[];
}

export function buildHelpCard(view: HelpView): AdaptiveCard {
  // Display names come from Teams and the school's name from configuration: both shown
  // literally, never as markdown.
  const team = view.dslNames.length
    ? field('The Designated Safeguarding Lead (DSL) team', view.dslNames.join(', '))
    : text('The DSL team has not connected its channel yet: tell a DSL in person, and report here so nothing is lost.');
  return card(
    [
      heading('Jigsaw: report a concern in under a minute'),
      literal(view.schoolName, { spacing: 'None' }),
      text(
        'If you see or hear something that worries you about a child (online or offline), report it here. It goes straight to the DSL team; concerns about a member of staff go privately to the headteacher, and about the headteacher to the chair of governors.',
      ),
      team,
      text('You will get a reference number, and a message when your concern is picked up and when it is closed. If a child is in immediate danger, call 999.'),
      text('Type **report** (or just say hello) to start. Never upload or forward images: the DSL will tell you what to do with evidence.', { isSubtle: true }),
    ],
    [execute('Report a concern', REPORT_VERBS.start)],
  );
}
