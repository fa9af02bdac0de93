import {
  CATEGORIES,
  CATEGORY_GUIDANCE,
  FOUR_C_TITLES,
  getCategory,
  isCategoryId,
  NUDES_SHARING_INSTRUCTION,
} from '../domain/concerns/categories';
import { CONCERN_ABOUT, type ConcernAbout } from '../domain/concerns/concern';
import { ABOUT_REQUIRED, REPORT_LIMITS, type ReportErrors, type ReportValues } from '../domain/concerns/validate-report';
import { type AdaptiveCard, card, type CardElement, errorText, execute, field, heading, literal, notice, text } from './card-kit';

/** Action.Execute verbs of the report journey (docs/cards.md lists their data). */
export const REPORT_VERBS = {
  start: 'report.start',
  chooseCategory: 'report.choose-category',
  changeCategory: 'report.change-category',
  submit: 'report.submit',
} as const;

const ABOUT_CHOICES: { value: ConcernAbout; title: string }[] = [
  { value: 'pupil', title: 'A pupil or pupils' },
  { value: 'adult', title: 'An adult who works in the school (staff, volunteer or contractor)' },
  { value: 'headteacher', title: 'The headteacher' },
];

function withError(errors: ReportErrors, key: keyof ReportErrors, element: CardElement): CardElement[] {
  const message = errors[key];
  return message ? [element, errorText(message, `${key}Error`)] : [element];
}

function summaryOfErrors(errors: ReportErrors): CardElement[] {
  const count = Object.keys(errors).length;
  if (count === 0) return [];
  return [notice(`Please check ${count === 1 ? 'one answer' : `${count} answers`}`, 'Nothing has been sent yet. What you typed is kept below: fix the answers marked ⚠ and press the button again.', 'attention')];
}

/**
 * Step 1: what kind of concern, and who it is about. Guidance depends on the category (the
 * UKCIS instruction for nudes, "do not investigate" for illegal content), and Adaptive Cards
 * 1.5 cannot react to a choice until it is submitted, so the category comes first.
 */
export function buildReportStartCard(input: { submissionId: string; values?: ReportValues; errors?: ReportErrors; schoolName: string }): AdaptiveCard {
  const values = input.values ?? {};
  const errors = input.errors ?? {};
  return card(
    [
      heading('Report a safeguarding or online-safety concern'),
      // The school's name is configuration, not our wording: shown literally, never as markdown.
      literal(input.schoolName, { spacing: 'None' }),
      text('This goes straight to the people who keep children safe at your school. If a child is in immediate danger, call 999 first.', { isSubtle: true }),
      ...summaryOfErrors(errors),
      ...withError(errors, 'category', {
        type: 'Input.ChoiceSet',
        id: 'category',
        label: 'What kind of concern is it?',
        isRequired: true,
        errorMessage: 'Choose the kind of concern.',
        style: 'compact',
        placeholder: 'Choose…',
        value: values.category ?? '',
        choices: CATEGORIES.map((c) => ({ title: `${FOUR_C_TITLES[c.fourC]}: ${c.title} (${c.hint})`, value: c.id })),
      }),
      ...withError(errors, 'about', {
        type: 'Input.ChoiceSet',
        id: 'about',
        label: 'Who is it about?',
        isRequired: true,
        errorMessage: ABOUT_REQUIRED,
        style: 'expanded',
        // No default: a pre-selected "pupil" sent allegations about adults to the DSL channel.
        value: values.about ?? '',
        choices: ABOUT_CHOICES,
      }),
    ],
    // Details typed before "Change the kind of concern" ride along so nothing is lost.
    [execute('Continue', REPORT_VERBS.chooseCategory, { submissionId: input.submissionId, kept: keptDetails(values) }, { style: 'positive' })],
  );
}

/** Step 2: the details. Everything typed so far is kept; errors sit next to their field. */
export function buildReportFormCard(input: { submissionId: string; values: ReportValues; errors?: ReportErrors; today: string }): AdaptiveCard {
  const values = input.values;
  const errors = input.errors ?? {};
  const categoryId = values.category && isCategoryId(values.category) ? values.category : undefined;
  const category = categoryId ? getCategory(categoryId) : undefined;
  // Never assumed: without a valid choice the form says so, and sending it asks again.
  const about = CONCERN_ABOUT.find((a) => a === values.about);
  const guidance = categoryId ? CATEGORY_GUIDANCE[categoryId] : undefined;
  const L = REPORT_LIMITS;

  const body: CardElement[] = [
    heading('Report a concern'),
    ...summaryOfErrors(errors),
    ...(categoryId === 'nudes-sharing' ? [notice('Sharing nudes or semi-nudes: read this first', NUDES_SHARING_INSTRUCTION, 'attention')] : []),
    ...(guidance && categoryId !== 'nudes-sharing' ? [notice('Before you go on', guidance)] : []),
    {
      type: 'ColumnSet',
      columns: [
        {
          type: 'Column',
          width: 'stretch',
          items: [
            field('Kind of concern', category ? `${FOUR_C_TITLES[category.fourC]}: ${category.title}` : 'Not chosen'),
            field('About', ABOUT_CHOICES.find((c) => c.value === about)?.title ?? 'Not chosen'),
          ],
        },
      ],
    },
    ...(errors.category ? [errorText(errors.category, 'categoryError')] : []),
    ...(errors.about ? [errorText(errors.about, 'aboutError')] : []),
  ];

  if (about === 'adult') {
    body.push(
      ...withError(errors, 'adultName', {
        type: 'Input.Text',
        id: 'adultName',
        label: 'The adult concerned (name and role)',
        isRequired: true,
        errorMessage: 'Enter the name and role of the adult.',
        maxLength: L.adultNameMax,
        value: values.adultName ?? '',
      }),
    );
  }

  body.push(
    ...withError(errors, 'pupils', {
      type: 'Input.Text',
      id: 'pupils',
      label: about === 'pupil' ? 'Pupil(s) concerned: one per line, or separated by commas' : 'Pupil(s) involved, if any',
      isMultiline: true,
      isRequired: about === 'pupil',
      errorMessage: 'Enter the name of the pupil (or pupils) concerned.',
      placeholder: 'e.g. Amelia Okonkwo (6B)',
      value: values.pupils ?? '',
    }),
    ...withError(errors, 'whatHappened', {
      type: 'Input.Text',
      id: 'whatHappened',
      label: 'What happened? Facts: what you saw or heard, not opinions',
      isMultiline: true,
      isRequired: true,
      errorMessage: 'Describe what happened.',
      maxLength: L.whatHappenedMax,
      value: values.whatHappened ?? '',
    }),
    ...withError(errors, 'childWords', {
      type: 'Input.Text',
      id: 'childWords',
      label: "The child's own words, if they told you something (exactly as said)",
      isMultiline: true,
      maxLength: L.childWordsMax,
      value: values.childWords ?? '',
    }),
    {
      type: 'ColumnSet',
      columns: [
        {
          type: 'Column',
          width: 'stretch',
          items: withError(errors, 'occurredOn', {
            type: 'Input.Date',
            id: 'occurredOn',
            label: 'When did it happen?',
            isRequired: true,
            errorMessage: 'Enter the date.',
            max: input.today,
            value: values.occurredOn ?? input.today,
          }),
        },
        {
          type: 'Column',
          width: 'stretch',
          items: withError(errors, 'occurredTime', {
            type: 'Input.Time',
            id: 'occurredTime',
            label: 'Time (if known)',
            value: values.occurredTime ?? '',
          }),
        },
      ],
    },
    ...withError(errors, 'location', {
      type: 'Input.Text',
      id: 'location',
      label: 'Where? (a place in school, or online and which app)',
      isRequired: true,
      errorMessage: 'Say where it happened.',
      maxLength: L.locationMax,
      value: values.location ?? '',
    }),
    ...withError(errors, 'actionTaken', {
      type: 'Input.Text',
      id: 'actionTaken',
      label: 'Action already taken (if any)',
      isMultiline: true,
      maxLength: L.actionTakenMax,
      value: values.actionTaken ?? '',
    }),
    ...withError(errors, 'urgency', {
      type: 'Input.ChoiceSet',
      id: 'urgency',
      label: 'Is a child at immediate risk of harm?',
      isRequired: true,
      errorMessage: 'Say whether a child is at immediate risk of harm.',
      style: 'expanded',
      value: values.urgency ?? '',
      choices: [
        { title: 'Yes: urgent, the DSL team must act now', value: 'urgent' },
        { title: 'No: the DSL team should see it today', value: 'standard' },
      ],
    }),
    text('There is no file upload, on purpose: never copy, forward or upload images. The DSL will tell you what to do with any evidence.', { isSubtle: true, size: 'Small' }),
  );

  const carried = { submissionId: input.submissionId, category: values.category ?? '', about: about ?? '' };
  return card(body, [
    execute('Send to the safeguarding team', REPORT_VERBS.submit, carried, { style: 'positive' }),
    execute('Change the kind of concern', REPORT_VERBS.changeCategory, carried),
  ]);
}

function keptDetails(values: ReportValues): ReportValues {
  const { category: _category, about: _about, ...details } = values;
  return details;
}
