// The only door from the UI to the app: every call goes through Tauri's `invoke` here.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export type Role =
  | 'huisarts' | 'assistent' | 'assistent_fin' | 'poh_s' | 'poh_s_zonder_financieel'
  | 'kwaliteitsmedewerker' | 'aios' | 'waarnemer' | 'poh_ggz' | 'zorgverlener'
  | 'hoofdzorgverlener' | 'accountbeheerder' | 'consultatiegever' | 'regiobeheerder';

export type OrganisationKind =
  | 'gp_practice' | 'care_group' | 'home_care' | 'ggz_provider' | 'neighbourhood_team' | 'region_operator';

export interface Contract {
  organisation_id: string;
  organisation_name: string;
  role: Role;
}

export interface Me {
  user_id: string;
  username: string;
  display_name: string;
  contracts: Contract[];
}

export interface DemoAccount {
  username: string;
  description: string;
}

export interface AppInfo {
  mode: 'embedded' | 'remote';
  server_url: string;
  demo_accounts: DemoAccount[];
  demo_password: string | null;
  version: string;
}

export interface Member {
  user_id: string;
  name: string;
  role: Role;
  role_name: string;
  agb: string | null;
  functions: string[];
  /** Set while away today: the last day of the absence (PROF-4). */
  absent_until: string | null;
}

export interface Team {
  id: string;
  name: string;
  contact_person: Member | null;
  members: Member[];
}

export interface Organisation {
  id: string;
  name: string;
  kind: OrganisationKind;
  city: string;
  agb: string | null;
  teams: Team[];
  members: Member[];
}

export interface Directory {
  organisations: Organisation[];
}

export type ClientEvent =
  | { type: 'connection'; state: 'online' | 'offline' }
  | { type: 'data_changed' }
  | { type: 'mutation_rejected'; id: string; code: string; message: string }
  | { type: 'secure_session'; unlocked: boolean }
  | { type: 'session_ended' }
  | { type: 'message_arrived'; conversation_id: string }
  | { type: 'notified'; conversation_id: string };

export type CodeChannel = 'sms' | 'email';

/** Login step one succeeded: a code is on its way. */
export interface CodeSent {
  challenge_id: string;
  channel: CodeChannel;
  destination: string;
  expires_at: string;
}

/** A mail or SMS in the embedded demo's outbox. */
export interface DevMessage {
  channel: CodeChannel;
  to: string;
  subject: string;
  body: string;
  at: string;
}

/** Names of `Action`s in kring-domain's permission table (snake_case). */
export type Action =
  | 'view_directory' | 'manage_team_contacts' | 'request_staff_account' | 'deactivate_account'
  | 'authorise_patient_data' | 'invite_network_partner' | 'invite_own_colleague' | 'view_patients'
  | 'refer_patient' | 'start_consultation' | 'answer_consultation' | 'read_conversations'
  | 'practice_administration' | 'practice_declarations' | 'care_group_declarations' | 'view_finances'
  | 'view_reports' | 'view_aios_dashboard' | 'ggz_actions' | 'reset_password' | 'view_access_log'
  | 'approve_account_request'
  | 'import_his_extraction'
  | 'record_consent'
  | 'share_patient';

export interface OrganisationPermissions {
  organisation_id: string;
  actions: Action[];
}

export interface SessionState {
  me: Me;
  permissions: OrganisationPermissions[];
  must_change_password: boolean;
  keys_were_reset: boolean;
  unlocked: boolean;
  idle_lock_minutes: number;
  roles: { role: Role; name: string; practice: boolean; network: boolean }[];
}

export type AccessKind = 'patient_card' | 'conversation' | 'consultation' | 'referral' | 'network_document' | 'his_import';

export interface AccessLogEntry {
  seq: number;
  at: string;
  actor: string;
  organisation_id: string;
  patient_id: string;
  kind: AccessKind;
  device: string;
  prev_hash: string;
  hash: string;
}

export type ChainVerification =
  | { status: 'intact'; entries: number }
  | { status: 'broken'; at_seq: number }
  | { status: 'truncated'; known_seq: number };

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AccessLogPage {
  entries: AccessLogEntry[];
  verification: ChainVerification;
  head: ChainHead | null;
  anchor: ChainHead | null;
  next_before: number | null;
}

export type RequestStatus = 'pending' | 'invited' | 'activated' | 'rejected';
export type AccessStatus = 'has_access' | 'awaiting_key' | 'no_access';
export type FormField = 'initials' | 'surname' | 'agb' | 'email' | 'mobile' | 'role';

/** The "Vraag account medewerker aan" form as typed (STAFF-2). */
export interface AccountRequestForm {
  initials: string;
  infix: string;
  surname: string;
  agb: string;
  email: string;
  mobile: string;
  role: Role | null;
}

export interface FieldError {
  field: FormField;
  code: string;
}

export interface AccountRequest {
  id: string;
  organisation_id: string;
  requested_by: string;
  details: {
    initials: string;
    infix: string | null;
    surname: string;
    agb: string | null;
    email: string;
    mobile: string | null;
    role: Role;
  };
  status: RequestStatus;
  user_id: string | null;
  requested_at: string;
  hidden: boolean;
}

export interface StaffMember {
  user_id: string;
  name: string;
  roles: Role[];
  role_names: string[];
  active: boolean;
  authorised: boolean;
  access: AccessStatus;
  works_with_patients: boolean;
  his_user_id: string | null;
}

export interface StaffList {
  organisation_id: string;
  members: StaffMember[];
  requests: AccountRequest[];
}

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export interface Absence {
  from: string;
  until: string;
}

export interface ProfileForm {
  first_name: string;
  last_name: string;
  functions: string[];
  working_days: Weekday[];
  absences: Absence[];
  notification_email: string;
  notify_on_message: boolean;
}

export interface Profile {
  username: string;
  first_name: string;
  last_name: string;
  functions: string[];
  working_days: Weekday[];
  absences: Absence[];
  email: string | null;
  mobile: string | null;
  code_channel: CodeChannel;
  notification_email: string | null;
  notify_on_message: boolean;
  function_choices: string[];
}

export interface Invitation {
  username: string;
  display_name: string;
  has_mobile: boolean;
}

export type Gender = 'male' | 'female' | 'other' | 'unknown';
export type CareProgramme = 'DM' | 'COPD' | 'CVRM' | 'Astma' | 'GGZ' | 'Ouderenzorg';
export type ConsentGiver = 'patient' | 'representative';

/** A row of the patient overview (PAT-2). */
export interface PatientSummary {
  id: string;
  organisation_id: string;
  /** Empty for a patient a HIS launch added before the extraction had them (PAT-4). */
  name: string;
  birth_date: string;
  gender: Gender;
  bsn: string;
  programmes: CareProgramme[];
  has_consent: boolean;
  /** Seen through the care network a practice opened (PAT-5). */
  via_network: boolean;
}

export interface PatientOverview {
  total: number;
  patients: PatientSummary[];
}

export interface Measurement {
  code: string;
  label: string;
  value: number;
  unit: string;
  date: string;
}

export interface Medication {
  name: string;
  dosage: string | null;
  since: string | null;
  active: boolean;
}

export interface MeasurementSeries {
  code: string;
  label: string;
  unit: string;
  points: { date: string; value: number }[];
}

export interface ConsentView {
  id: string;
  given_by: ConsentGiver;
  text: { version: string; text: string };
  recorded_by: string;
  recorded_at: string;
  withdrawn_by: string | null;
  withdrawn_at: string | null;
}

export type TimelineKind =
  | 'added_from_extraction' | 'added_from_his' | 'extraction_updated' | 'consent_given' | 'consent_withdrawn'
  | 'measurement' | 'medication_started';

/** The patient page (PAT-2, PAT-6). */
export interface PatientView {
  summary: PatientSummary;
  address: { street: string; postal_code: string; city: string } | null;
  phone: string | null;
  source: 'extraction' | 'his_launch';
  chart: { measurements: Measurement[]; medication: Medication[] };
  series: MeasurementSeries[];
  consents: ConsentView[];
  consent_text: { version: string; text: string };
  timeline: { date: string; kind: TimelineKind; detail: string }[];
  actions: Action[];
  /** For those who may share (PAT-5): which partner organisations see the patient. */
  sharing: { partners: { organisation_id: string; name: string; city: string; shared: boolean }[] } | null;
}

export type ImportPhase = 'reading' | 'sealing' | 'sending' | 'syncing' | 'done';

export interface ImportProgress {
  phase: ImportPhase;
  done: number;
  total: number;
}

export interface ImportSummary {
  created: number;
  updated: number;
  measurements: number;
  skipped: number;
}

/** After a HIS launch and the password: open this patient, or ask the birth date once (PAT-4). */
export type LaunchOpening = { status: 'open'; patient_id: string } | { status: 'ask_birth_date' };

/** What a failed command rejects with. */
export type Away = { reason: 'absent'; until: string } | { reason: 'not_working_today'; back: string };

export interface PatientLabel {
  id: string;
  name: string | null;
  birth_date: string | null;
}

export interface ParticipantView {
  user_id: string;
  name: string;
  active: boolean;
  inhabitant: boolean;
  via_inbox: string | null;
  away: Away | null;
}

export interface InboxView {
  team_id: string;
  name: string;
  organisation: string;
  members: number;
}

export interface ConversationSummary {
  id: string;
  title: string | null;
  patient: PatientLabel | null;
  participants: ParticipantView[];
  last_message_at: string | null;
  unread: number;
  active: boolean;
  archived: boolean;
  sending: number;
}

export type MessageState = 'sent' | 'sending' | 'refused' | 'unverified';

export interface AttachmentView {
  id: string;
  name: string;
  mime: string;
  image: boolean;
  size: number;
}

export interface FileUpload {
  name: string;
  /** base64 */
  data: string;
}

export interface MessageView {
  id: string;
  author_id: string;
  author_name: string;
  text: string | null;
  sent_at: string | null;
  mine: boolean;
  state: MessageState;
  attachments: AttachmentView[];
}

export interface ConversationView {
  summary: ConversationSummary;
  messages: MessageView[];
  can_write: boolean;
}

export interface RecipientView {
  user_id: string;
  name: string;
  organisation: string;
  role_name: string;
  away: Away | null;
}

export interface AwayNotice {
  user_id: string;
  name: string;
  away: Away;
}

export interface NetworkMemberView {
  user_id: string;
  name: string;
  organisations: string[];
  joined_via: 'conversation' | 'manual';
  joined_at: string;
}

export type Delivered = { kind: 'zorg_mail'; address: string } | { kind: 'folder'; path: string };

export interface HisReturnReceipt {
  reference: string;
  messages: number;
  delivered: Delivered;
}

export interface CommandError {
  code: string;
  message: string;
  /** With `rate_limited`: seconds until a new attempt is accepted. */
  retry_after_seconds?: number;
  /** With an `extraction_*` code: where in the file the problem is. */
  location?: { line: number | null; column: number | null; field: string | null };
}

/** Normalise anything a command throws into a `CommandError`. */
export function asCommandError(error: unknown): CommandError {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
    const retry =
      'retry_after_seconds' in error && typeof error.retry_after_seconds === 'number' ? error.retry_after_seconds : undefined;
    const location = 'location' in error && typeof error.location === 'object' && error.location !== null
      ? (error.location as CommandError['location'])
      : undefined;
    return { code: error.code, message, retry_after_seconds: retry, location };
  }
  return { code: 'internal', message: String(error) };
}

export const api = {
  appInfo: () => invoke<AppInfo>('app_info'),
  startLogin: (username: string, password: string) => invoke<CodeSent>('start_login', { username, password }),
  devOutbox: () => invoke<DevMessage[]>('dev_outbox'),
  verifyCode: (code: string) => invoke<SessionState>('verify_code', { code }),
  changeInitialPassword: (newPassword: string, repeated: string) =>
    invoke<SessionState>('change_initial_password', { new: newPassword, repeated }),
  changePassword: (current: string, newPassword: string, repeated: string) =>
    invoke<void>('change_password', { current, new: newPassword, repeated }),
  logout: () => invoke<void>('logout'),
  lock: () => invoke<void>('lock'),
  unlock: (password: string) => invoke<void>('unlock', { password }),
  touch: () => invoke<void>('touch'),
  setIdleLockMinutes: (minutes: number) => invoke<void>('set_idle_lock_minutes', { minutes }),
  setCodeChannel: (channel: CodeChannel) => invoke<void>('set_code_channel', { channel }),
  resetPassword: (userId: string) => invoke<string>('reset_password', { userId }),
  patientNames: (patientIds: string[]) => invoke<Record<string, string>>('patient_names', { patientIds }),
  accessLog: (organisationId: string, before: number | null = null) =>
    invoke<AccessLogPage>('access_log', { organisationId, before }),
  staff: (organisationId: string) => invoke<StaffList>('staff', { organisationId }),
  checkAccountRequest: (form: AccountRequestForm) => invoke<FieldError[]>('check_account_request', { form }),
  requestAccount: (organisationId: string, form: AccountRequestForm) =>
    invoke<void>('request_account', { organisationId, form }),
  regionAccountRequests: () => invoke<AccountRequest[]>('region_account_requests'),
  decideAccountRequest: (requestId: string, approve: boolean) => invoke<void>('decide_account_request', { requestId, approve }),
  setPatientDataAccess: (organisationId: string, userId: string, authorised: boolean) =>
    invoke<void>('set_patient_data_access', { organisationId, userId, authorised }),
  deactivate: (userId: string) => invoke<void>('deactivate', { userId }),
  setHisUser: (organisationId: string, userId: string, hisUserId: string | null) =>
    invoke<void>('set_his_user', { organisationId, userId, hisUserId }),
  profile: () => invoke<Profile>('profile'),
  updateProfile: (form: ProfileForm) => invoke<void>('update_profile', { form }),
  invitation: (link: string) => invoke<Invitation>('invitation', { link }),
  activate: (link: string, password: string, repeated: string, channel: CodeChannel) =>
    invoke<{ username: string }>('activate', { link, password, repeated, channel }),
  directory: () => invoke<Directory>('directory'),
  setTeamContact: (teamId: string, contact: string | null) => invoke<void>('set_team_contact', { teamId, contact }),
  patients: (query: string) => invoke<PatientOverview>('patients', { query }),
  openPatient: (patientId: string) => invoke<PatientView>('open_patient', { patientId }),
  importExtraction: (organisationId: string, contents: string) =>
    invoke<ImportSummary>('import_extraction', { organisationId, contents }),
  importDemoExtraction: (organisationId: string) => invoke<ImportSummary>('import_demo_extraction', { organisationId }),
  recordConsent: (patientId: string, givenBy: ConsentGiver) => invoke<void>('record_consent', { patientId, givenBy }),
  sharePatient: (patientId: string, organisationId: string, shared: boolean) =>
    invoke<void>('share_patient', { patientId, organisationId, shared }),
  withdrawConsent: (consentId: string) => invoke<void>('withdraw_consent', { consentId }),
  pendingLaunch: () => invoke<LaunchOpening | null>('pending_launch'),
  addLaunchedPatient: (birthDate: string) => invoke<string>('add_launched_patient', { birthDate }),
  conversations: (query: string, includeArchived: boolean) =>
    invoke<ConversationSummary[]>('conversations', { query, includeArchived }),
  openConversation: (conversationId: string) => invoke<ConversationView>('open_conversation', { conversationId }),
  conversation: (conversationId: string) => invoke<ConversationView>('conversation', { conversationId }),
  setConversationInView: (conversationId: string | null) => invoke<void>('set_conversation_in_view', { conversationId }),
  recipients: (patientId: string | null) => invoke<RecipientView[]>('recipients', { patientId }),
  awayNotices: (recipients: string[]) => invoke<AwayNotice[]>('away_notices', { recipients }),
  inboxes: (patientId: string | null) => invoke<InboxView[]>('inboxes', { patientId }),
  startConversation: (patientId: string | null, title: string, recipients: string[], inboxes: string[], text: string) =>
    invoke<string>('start_conversation', { patientId, title, recipients, inboxes, text }),
  sendMessage: (conversationId: string, text: string, attachments: FileUpload[] = []) =>
    invoke<string>('send_message', { conversationId, text, attachments }),
  attachmentPreview: (conversationId: string, messageId: string, attachmentId: string) =>
    invoke<string>('attachment_preview', { conversationId, messageId, attachmentId }),
  saveAttachment: (conversationId: string, messageId: string, attachmentId: string) =>
    invoke<string>('save_attachment', { conversationId, messageId, attachmentId }),
  addParticipants: (conversationId: string, users: string[]) => invoke<void>('add_participants', { conversationId, users }),
  leaveConversation: (conversationId: string, archive: boolean) => invoke<void>('leave_conversation', { conversationId, archive }),
  setArchived: (conversationId: string, archived: boolean) => invoke<void>('set_archived', { conversationId, archived }),
  careNetwork: (patientId: string) => invoke<NetworkMemberView[]>('care_network', { patientId }),
  returnToHis: (conversationId: string, zorgmailAddress: string, comment: string) =>
    invoke<HisReturnReceipt>('return_to_his', { conversationId, zorgmailAddress, comment }),
  onImportProgress: (handler: (progress: ImportProgress) => void): Promise<UnlistenFn> =>
    listen<ImportProgress>('kring://import-progress', (event) => handler(event.payload)),
  onHisLaunch: (handler: (state: SessionState) => void): Promise<UnlistenFn> =>
    listen<SessionState>('kring://his-launch', (event) => handler(event.payload)),
  onActivationLink: (handler: (link: string) => void): Promise<UnlistenFn> =>
    listen<string>('kring://activation-link', (event) => handler(event.payload)),
  onHisLaunchFailed: (handler: (error: CommandError) => void): Promise<UnlistenFn> =>
    listen<unknown>('kring://his-launch-failed', (event) => handler(asCommandError(event.payload))),
  onClientEvent: (handler: (event: ClientEvent) => void): Promise<UnlistenFn> =>
    listen<ClientEvent>('kring://client-event', (event) => handler(event.payload)),
};
