// The only door from the UI to the app: every call goes through Tauri's `invoke` here.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

// Every type crossing the boundary is generated from the Rust definitions (src-tauri/src/typescript.rs).
import type {
  ClientEvent, CodeChannel, CodeSent, CommandError, ConsentGiver, ConversationSummary, ConversationView, DevMessage,
  Directory, FieldError, FileUpload, HisReturnReceipt, HisRoute, ImportProgress, ImportSummary, InboxView, InvitationView, Activated,
  LaunchOpening, NetworkMemberView, PatientOverview, PatientView, ProfileForm, ProfileView, RecipientView,
  AccessLogPage, AccountRequestEntry, AccountRequestForm, AppInfo, AwayNotice, SessionState, StaffList,
  DataCategory, MatrixView, OrganisationKind, ReferralForm, ReferralLetter, ReferralOptions, ReferralSummary, ReferralView,
  ConsultationForm, ConsultationGroupView, ConsultationSummary, DashboardRow, DeclarationRow, Period, HomeMeasurementForm,
  HealthPlanItem, HealthPlanItemView,
} from './generated';
import { CLIENT_ERROR_CODES, type ClientErrorCode } from './generated';
export type * from './generated';

/** Normalise anything a command throws into a `CommandError`. */
export function asCommandError(error: unknown): CommandError {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
    const retry =
      'retry_after_seconds' in error && typeof error.retry_after_seconds === 'number' ? error.retry_after_seconds : undefined;
    const location = 'location' in error && typeof error.location === 'object' && error.location !== null
      ? (error.location as CommandError['location'])
      : undefined;
    // A code this build does not know reads as the general message, never as the raw code.
    const code = (CLIENT_ERROR_CODES as readonly string[]).includes(error.code) ? (error.code as ClientErrorCode) : 'internal';
    return { code, message, retry_after_seconds: retry, location };
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
  regionAccountRequests: () => invoke<AccountRequestEntry[]>('region_account_requests'),
  decideAccountRequest: (requestId: string, approve: boolean) => invoke<void>('decide_account_request', { requestId, approve }),
  setPatientDataAccess: (organisationId: string, userId: string, authorised: boolean) =>
    invoke<void>('set_patient_data_access', { organisationId, userId, authorised }),
  deactivate: (userId: string) => invoke<void>('deactivate', { userId }),
  setHisUser: (organisationId: string, userId: string, hisUserId: string | null) =>
    invoke<void>('set_his_user', { organisationId, userId, hisUserId }),
  profile: () => invoke<ProfileView>('profile'),
  updateProfile: (form: ProfileForm) => invoke<void>('update_profile', { form }),
  invitation: (link: string) => invoke<InvitationView>('invitation', { link }),
  activate: (link: string, password: string, repeated: string, channel: CodeChannel) =>
    invoke<Activated>('activate', { link, password, repeated, channel }),
  directory: () => invoke<Directory>('directory'),
  setTeamContact: (teamId: string, contact: string | null) => invoke<void>('set_team_contact', { teamId, contact }),
  patients: (query: string) => invoke<PatientOverview>('patients', { query }),
  openPatient: (patientId: string) => invoke<PatientView>('open_patient', { patientId }),
  importExtraction: (organisationId: string, contents: string) =>
    invoke<ImportSummary>('import_extraction', { organisationId, contents }),
  importDemoExtraction: (organisationId: string) => invoke<ImportSummary>('import_demo_extraction', { organisationId }),
  saveImportReport: (text: string) => invoke<string>('save_import_report', { text }),
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
  /** CHAT-10: checked the moment a file is picked; refused with an `attachment_*` code. */
  checkAttachment: (name: string, size: number, head: string, attached: number) =>
    invoke<void>('check_attachment', { name, size, head, attached }),
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
  mayAddToCareNetwork: (patientId: string) => invoke<boolean>('may_add_to_care_network', { patientId }),
  /** NET-2: add caregivers who see the patient to its care network by hand. */
  joinCareNetwork: (patientId: string, userIds: string[]) => invoke<void>('join_care_network', { patientId, userIds }),
  /** NET-2: take out someone I added by mistake. */
  leaveCareNetwork: (patientId: string, userId: string) => invoke<void>('leave_care_network', { patientId, userId }),
  referralOptions: (patientId: string) => invoke<ReferralOptions>('referral_options', { patientId }),
  /** REF-4: the GGZ letter as the form stands now (the live preview). */
  referralLetter: (form: ReferralForm) => invoke<ReferralLetter>('referral_letter', { form }),
  refer: (form: ReferralForm, files: FileUpload[] = []) => invoke<string>('refer', { form, files }),
  referrals: () => invoke<ReferralSummary[]>('referrals'),
  patientReferrals: (patientId: string) => invoke<ReferralSummary[]>('patient_referrals', { patientId }),
  /** Opening a referral is written to the access log (SEC-2): call it when the user opens one. */
  openReferral: (referralId: string) => invoke<ReferralView>('open_referral', { referralId }),
  takeReferral: (referralId: string) => invoke<void>('take_referral', { referralId }),
  declineReferral: (referralId: string, reason: string) => invoke<void>('decline_referral', { referralId, reason }),
  referralFeedback: (referralId: string, text: string, files: FileUpload[] = []) =>
    invoke<void>('referral_feedback', { referralId, text, files }),
  closeReferral: (referralId: string) => invoke<void>('close_referral', { referralId }),
  withdrawReferral: (referralId: string) => invoke<void>('withdraw_referral', { referralId }),
  matrixView: () => invoke<MatrixView>('matrix_view'),
  requestMatrixExtension: (kind: OrganisationKind, category: DataCategory, explanation: string) =>
    invoke<string>('request_matrix_extension', { kind, category, explanation }),
  decideMatrixRequest: (requestId: string, approve: boolean) => invoke<void>('decide_matrix_request', { requestId, approve }),
  consultationGroups: () => invoke<ConsultationGroupView[]>('consultation_groups'),
  askConsultation: (form: ConsultationForm, files: FileUpload[] = []) => invoke<string>('ask_consultation', { form, files }),
  /** The C tab: the consultations I take part in. */
  consultations: () => invoke<ConsultationSummary[]>('consultations'),
  /** CONS-3: the patient's consultations for the timeline, also those I cannot open. */
  patientConsultations: (patientId: string) => invoke<ConsultationSummary[]>('patient_consultations', { patientId }),
  consultation: (consultationId: string) => invoke<ConsultationSummary>('consultation', { consultationId }),
  pickUpConsultation: (consultationId: string) => invoke<void>('pick_up_consultation', { consultationId }),
  closeConsultation: (consultationId: string) => invoke<void>('close_consultation', { consultationId }),
  declareConsultation: (consultationId: string, code: string) => invoke<void>('declare_consultation', { consultationId, code }),
  /** STAFF-5: consultations per month and group, for the quality dashboard. */
  consultationDashboard: () => invoke<DashboardRow[]>('consultation_dashboard'),
  declarations: (period: Period) => invoke<DeclarationRow[]>('declarations', { period }),
  /** Writes the period's declarations as CSV to the downloads folder; returns the path. */
  saveDeclarationsCsv: (period: Period) => invoke<string>('save_declarations_csv', { period }),
  /** CARE-4: a home measurement for the patient's care network. */
  recordHomeMeasurement: (form: HomeMeasurementForm) => invoke<string>('record_home_measurement', { form }),
  /** CARE-2: the patient's health plan, problems first. */
  healthPlan: (patientId: string) => invoke<HealthPlanItemView[]>('health_plan', { patientId }),
  saveHealthPlanItem: (patientId: string, itemId: string | null, version: number, item: HealthPlanItem) =>
    invoke<string>('save_health_plan_item', { patientId, itemId, version, item }),
  hisRoute: () => invoke<HisRoute>('his_route'),
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
