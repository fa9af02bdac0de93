import { accessWithdrawalConsequences } from '../../src/tab/access-withdrawal';

describe('what the confirmation says withdrawing access means', () => {
  it('names the person, says their copy and the tab lose the concern, and that the record keeps it', () => {
    const said = accessWithdrawalConsequences('Dee DPO').join(' ');
    expect(said).toContain('Dee DPO will no longer be able to open this concern');
    expect(said).toContain('copy of the concern in their chat with Jigsaw is replaced');
    expect(said).toContain('A copy not yet delivered is not sent');
    expect(said).toContain('chronology records who gave the access and that you withdrew it');
  });
});
