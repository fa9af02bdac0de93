/**
 * What withdrawing someone's access to a concern about an adult means, said in the confirmation
 * before it happens: the recipient must know that the person's copy goes and that the record
 * keeps the grant. Pure, so it is tested without a browser.
 */
export function accessWithdrawalConsequences(name: string): string[] {
  return [
    `${name} will no longer be able to open this concern in the Jigsaw tab, and it leaves their "About adults" list.`,
    `The copy of the concern in their chat with Jigsaw is replaced by a notice that they no longer have access, with nothing of the concern in it. A copy not yet delivered is not sent.`,
    `The chronology records who gave the access and that you withdrew it. You can give access again later if it is needed.`,
  ];
}
