import { roleRemovalConsequences, type RoleHolder } from '../../src/tab/role-removal';

const helen: RoleHolder = { role: 'headteacher', roleTitle: 'Headteacher', name: 'Helen Head', aadObjectId: 'h' };
const colin: RoleHolder = { role: 'chair', roleTitle: 'Chair of governors', name: 'Colin Chair', aadObjectId: 'c' };
const gwen: RoleHolder = { role: 'governor', roleTitle: 'Governor', name: 'Gwen Governor', aadObjectId: 'g' };

describe('what the confirmation says taking a role away means', () => {
  it('the headteacher: concerns about adults go to the chair, named', () => {
    const said = roleRemovalConsequences(helen, [helen, colin, gwen]).join(' ');
    expect(said).toContain('Helen Head will no longer see concerns about adults');
    expect(said).toContain('will go to the chair of governors, Colin Chair');
  });

  it('the headteacher with no chair: concerns about adults go to nobody', () => {
    expect(roleRemovalConsequences(helen, [helen, gwen]).join(' ')).toMatch(/concerns about staff and other adults will go to nobody/);
  });

  it('the chair: concerns about the headteacher go to nobody, and about adults too when there is no headteacher', () => {
    expect(roleRemovalConsequences(colin, [helen, colin]).join(' ')).toMatch(/concerns about the headteacher will go to nobody/);
    expect(roleRemovalConsequences(colin, [helen, colin]).join(' ')).not.toMatch(/staff and other adults/);
    expect(roleRemovalConsequences(colin, [colin]).join(' ')).toMatch(/concerns about staff and other adults will also go to nobody/);
  });

  it('another role: what it opens, by its title', () => {
    expect(roleRemovalConsequences(gwen, [gwen])).toEqual(['Gwen Governor will no longer see what the Governor role opens in Jigsaw.']);
  });
});
