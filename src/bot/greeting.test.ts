import { isGreeting } from './greeting';

describe('isGreeting', () => {
  it.each(['hi', 'Hello!', 'hey there', 'Good morning Jigsaw', 'morning', 'report', 'Report a concern', 'new concern', 'start', 'concern', 'I want to report a concern', 'I’d like to raise a safeguarding concern please', 'hi, report a concern', 'Can I report an online-safety concern?', 'new report'])(
    '"%s" asks for the form',
    (typed) => expect(isGreeting(typed)).toBe(true),
  );

  it.each([
    'Worried about Jay, he said his uncle hits him',
    'Hi, Jay told me his stepdad hurts him',
    'Concern about Amelia in 6B: she has bruises',
    'New bruises on Sam today',
    'Morning. A pupil disclosed something at break',
    'report: Lily showed me messages from an adult',
    'hello I think a child in my class is being groomed',
    'worried',
  ])('"%s" is a concern to keep', (typed) => expect(isGreeting(typed)).toBe(false));
});
