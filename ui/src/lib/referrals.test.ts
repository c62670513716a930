import { afterEach, describe, expect, it } from 'vitest';
import type { MatrixRequestView, MatrixView, NetworkMemberView, RecipientView, ReferralOptions, ReferralSummary, ReferralTarget, ReferralView } from './api';
import { setLanguage } from './i18n';
import {
  addableCaregivers, categoryNames, emptyDraft, generalTargets, ggzTargets, isStale, joinedHow, localDateTime, matrixRequestStatus,
  missingCategories, referralForm, referralGroups, referralParty, referralPatient, requestableKinds, waitingReferrals,
} from './referrals';

const summary = (over: Partial<ReferralSummary> = {}): ReferralSummary => ({
  id: 'r1',
  patient_id: 'p1',
  patient_name: 'de Vries, Jan Willem',
  direction: 'received',
  practice: 'Huisartsenpraktijk De Linde',
  to_organisation: 'Thuiszorg Hof van Delft',
  to_team: null,
  referred_by: 'Anne de Vries',
  taken_by: null,
  status: 'sent',
  ggz: false,
  sent_at: '2026-12-03T09:00:00Z',
  changed_at: '2026-12-03T09:00:00Z',
  unread: 0,
  conversation_id: 'c1',
  ...over,
});

const target = (over: Partial<ReferralTarget> = {}): ReferralTarget => ({
  organisation_id: 'thuiszorg',
  name: 'Thuiszorg Hof van Delft',
  kind: 'home_care',
  city: 'Delft',
  teams: [],
  categories: ['blood_pressure', 'glucose'],
  receivers: 2,
  ...over,
});

const options = (over: Partial<ReferralOptions> = {}): ReferralOptions => ({
  targets: [target(), target({ organisation_id: 'ggz', name: 'GGZ Delfland', kind: 'ggz_provider' })],
  gps: [{ user_id: 'anne', name: 'Anne de Vries' }],
  on_behalf_required: false,
  phone: '015-2123456',
  has_consent: true,
  matrix_version: 1,
  disorders: [],
  ...over,
});

const member = (over: Partial<NetworkMemberView> = {}): NetworkMemberView => ({
  user_id: 'fatima',
  name: 'Fatima el Amrani',
  organisations: ['Thuiszorg Hof van Delft'],
  joined_via: 'referral',
  added_by: 'Fatima el Amrani',
  joined_at: '2026-12-03T10:00:00Z',
  removable: false,
  ...over,
});

afterEach(() => setLanguage('nl'));

describe('the referrals tab (REF-3)', () => {
  it('counts a received referral nobody took as waiting, and not one my practice sent', () => {
    expect(waitingReferrals([summary()])).toBe(1);
    expect(waitingReferrals([summary({ direction: 'sent' })])).toBe(0);
  });

  it('stops counting a referral once it is taken, unless its conversation has unread messages', () => {
    expect(waitingReferrals([summary({ status: 'in_treatment' })])).toBe(0);
    expect(waitingReferrals([summary({ status: 'in_treatment', unread: 2 }), summary({ direction: 'sent', status: 'feedback_given', unread: 1 })])).toBe(2);
  });

  it('lists what asks for attention first, then what runs, then what is finished, keeping the order within each', () => {
    const list = [
      summary({ id: 'closed', status: 'closed' }),
      summary({ id: 'taken', status: 'in_treatment' }),
      summary({ id: 'new', status: 'sent' }),
      summary({ id: 'mine', direction: 'sent', status: 'sent' }),
      summary({ id: 'declined', direction: 'sent', status: 'declined' }),
    ];
    const groups = referralGroups(list).map((g) => [g.group, g.referrals.map((r) => r.id)]);
    expect(groups).toEqual([
      ['waiting', ['new']],
      ['open', ['taken', 'mine']],
      ['finished', ['closed', 'declined']],
    ]);
    expect(referralGroups([summary({ status: 'withdrawn' })]).map((g) => g.group)).toEqual(['finished']);
    // A closed referral with an unread last message is finished, not waiting for me.
    expect(referralGroups([summary({ status: 'closed', unread: 1 })]).map((g) => g.group)).toEqual(['finished']);
    expect(waitingReferrals([summary({ status: 'declined', unread: 2 })])).toBe(0);
  });

  it('says to whom a sent referral went and from whom a received one came', () => {
    expect(referralParty(summary({ direction: 'sent' }))).toBe('Aan Thuiszorg Hof van Delft');
    expect(referralParty(summary({ direction: 'sent', to_team: 'Team Noord' }))).toBe('Aan Thuiszorg Hof van Delft, Team Noord');
    expect(referralParty(summary())).toBe('Van Huisartsenpraktijk De Linde');
  });

  it('names the patient, or says the lock is closed instead of showing nothing', () => {
    expect(referralPatient(summary())).toBe('de Vries, Jan Willem');
    expect(referralPatient(summary({ patient_name: null }))).toBe('Patiënt (beveiligde sessie vergrendeld)');
  });

  it('opens the referral again when a colleague took it or the letter arrived, not on any other change', () => {
    const view = { summary: summary(), letter: null, letter_file: null } as unknown as ReferralView;
    expect(isStale(view, summary())).toBe(false);
    expect(isStale(view, summary({ unread: 3 }))).toBe(false);
    expect(isStale(view, summary({ status: 'in_treatment', taken_by: 'Joost Visser', changed_at: '2026-12-03T09:05:00Z' }))).toBe(true);
    // A letter whose PDF is not in yet does not reopen (and log) the referral on every change.
    const waitingForPdf = { ...view, letter: { title: 'Verwijsbrief aan GGZ Delfland', sections: [] } } as ReferralView;
    expect(isStale(waitingForPdf, summary())).toBe(false);
  });

  it('writes each step with its date and time', () => {
    const at = new Date(2026, 11, 3, 14, 5);
    expect(localDateTime(at.toISOString())).toBe('03-12-2026 14:05');
  });
});

describe('the referral forms (REF-1, REF-4)', () => {
  it('offers GGZ providers only through their own two-step dialog', () => {
    expect(generalTargets(options()).map((t) => t.name)).toEqual(['Thuiszorg Hof van Delft']);
    expect(ggzTargets(options()).map((t) => t.name)).toEqual(['GGZ Delfland']);
  });

  it('sends no team, disorder or phone the user did not choose', () => {
    const form = referralForm({ ...emptyDraft('p1', 'thuiszorg'), reason: 'Wondzorg' }, options());
    expect(form).toEqual({
      patient_id: 'p1',
      organisation_id: 'thuiszorg',
      team_id: null,
      reason: 'Wondzorg',
      suspected_disorder: null,
      remarks: '',
      phone: null,
      on_behalf_of: null,
    });
  });

  it('sends the phone number only when the HIS has none and one was typed', () => {
    const draft = { ...emptyDraft('p1', 'ggz'), phone: ' 06-12345678 ' };
    expect(referralForm(draft, options({ phone: null })).phone).toBe('06-12345678');
    expect(referralForm(draft, options()).phone).toBeNull();
    expect(referralForm({ ...draft, phone: '  ' }, options({ phone: null })).phone).toBeNull();
  });

  it('sends "namens" only for a POH-GGZ, who must choose the GP', () => {
    const draft = { ...emptyDraft('p1', 'ggz'), onBehalfOf: 'anne', disorder: 'anxiety' as const, teamId: 'intake' };
    expect(referralForm(draft, options({ on_behalf_required: true }))).toMatchObject({ on_behalf_of: 'anne', suspected_disorder: 'anxiety', team_id: 'intake' });
    expect(referralForm(draft, options()).on_behalf_of).toBeNull();
  });

  it('lists the data that go along in Dutch, in the matrix order', () => {
    expect(categoryNames(['programmes', 'blood_pressure', 'medication'])).toEqual(['Bloeddruk', 'Medicatie', "Zorgprogramma's"]);
    setLanguage('en');
    expect(categoryNames(['kidney_function'])).toEqual(['Kidney function']);
  });
});

describe('the authorisation matrix (REF-2)', () => {
  const matrix: MatrixView['matrix'] = { version: 2, rows: [{ kind: 'home_care', categories: ['blood_pressure', 'pulse', 'weight', 'height', 'bmi', 'glucose'] }] };

  it('offers to ask only for data that do not go along yet', () => {
    expect(missingCategories(matrix, 'home_care')).toEqual([
      'hba1c', 'cholesterol', 'kidney_function', 'medication', 'programmes',
    ]);
    expect(missingCategories({ version: 1, rows: [] }, 'neighbourhood_team')).toHaveLength(11);
  });

  it('lets one ask for any partner kind, not for the region operator', () => {
    expect(requestableKinds()).toContain('home_care');
    expect(requestableKinds()).toContain('neighbourhood_team');
    expect(requestableKinds()).not.toContain('region_operator');
  });

  it('says whether a request waits, approved into which version, or rejected', () => {
    const request = { approved: null, version: null } as MatrixRequestView;
    expect(matrixRequestStatus(request)).toBe('In afwachting');
    expect(matrixRequestStatus({ ...request, approved: true, version: 2 })).toBe('Goedgekeurd (versie 2)');
    expect(matrixRequestStatus({ ...request, approved: false })).toBe('Afgewezen');
  });
});

describe('the care network (NET-2)', () => {
  it('says how each member joined, and who added someone by hand', () => {
    expect(joinedHow(member())).toBe('Verwijzing');
    expect(joinedHow(member({ joined_via: 'conversation' }))).toBe('Gesprek');
    expect(joinedHow(member({ user_id: 'joost', name: 'Joost Visser', joined_via: 'manual' }))).toBe('Handmatig toegevoegd door Fatima el Amrani');
  });

  it('offers to add only caregivers who see the patient and are not in the network yet', () => {
    const recipient = (user_id: string, name: string): RecipientView => ({ user_id, name, organisation: 'Thuiszorg Hof van Delft', role_name: 'Zorgverlener', away: null });
    const addable = addableCaregivers([recipient('fatima', 'Fatima el Amrani'), recipient('joost', 'Joost Visser')], [member()]);
    expect(addable.map((r) => r.name)).toEqual(['Joost Visser']);
  });
});
