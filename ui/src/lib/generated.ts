// Generated from the Rust types by src-tauri/src/typescript.rs (`make types`). Do not edit.

/**
 * A period away (vakantie, verlof), both days included. Dates travel as `2026-12-21`.
 */
export type Absence = { from: string, until: string, };

/**
 * A kind of access to a patient's data.
 */
export type AccessKind = "patient_card" | "conversation" | "consultation" | "referral" | "network_document" | "his_import";

/**
 * One entry of the log as the server keeps it. `hash` = SHA-256 over the previous entry's hash
 * and this entry's fields, so altering or removing an entry breaks the chain from there on.
 */
export type AccessLogEntry = { seq: number, at: string, actor: UserId, organisation_id: OrganisationId, patient_id: PatientId, kind: AccessKind, device: string, 
/**
 * Hex of the previous entry's hash (all zeros for the first).
 */
prev_hash: string, 
/**
 * Hex of this entry's hash.
 */
hash: string, };

/**
 * `GET /v1/access-log?organisation_id=…[&before=N][&known_head=M]`: one page of the
 * organisation's entries, newest first, and whether the region's chain verifies.
 */
export type AccessLogPage = { entries: Array<AccessLogEntry>, verification: ChainVerification, 
/**
 * The newest entry of the region's chain: the client keeps it, and asks next time whether
 * the chain still holds it (a log cut back to before it shows as truncated).
 */
head: ChainHead | null, 
/**
 * The entry at the client's `known_head` seq as the chain holds it now (`None`: gone).
 */
anchor: ChainHead | null, 
/**
 * Ask with `before` = this for the next (older) page; `None` on the last page.
 */
next_before: number | null, };

/**
 * A colleague's access to the practice's patient data, as the staff list shows it (STAFF-1).
 */
export type AccessStatus = "has_access" | "awaiting_key" | "no_access";

/**
 * A form that passed every rule.
 */
export type AccountRequestDetails = { initials: string, infix: string | null, surname: string, agb: AgbCode | null, email: Email, mobile: MobileNumber | null, role: Role, };

/**
 * A request for a colleague's account, as the requesting organisation sees it (STAFF-3).
 */
export type AccountRequestEntry = { id: string, 
/**
 * Where the new account will work.
 */
organisation_id: OrganisationId, 
/**
 * Whose staff list shows the request: the same organisation, or the practice that invited a
 * network partner (STAFF-10).
 */
inviting_organisation_id: OrganisationId, requested_by: UserId, details: AccountRequestDetails, status: RequestStatus, 
/**
 * The account made when the request was approved.
 */
user_id: UserId | null, requested_at: string, 
/**
 * Hidden from the staff list 30 days after the request (a durable job sets it).
 */
hidden: boolean, };

/**
 * The "Vraag account medewerker aan" form as typed (STAFF-2). Strings, so every field can be
 * checked and reported on its own.
 */
export type AccountRequestForm = { initials: string, infix: string, surname: string, agb: string, email: string, mobile: string, role: Role | null, };

/**
 * Something a user may try to do. Each variant names a user-visible capability.
 */
export type Action = "view_directory" | "manage_team_contacts" | "request_staff_account" | "deactivate_account" | "authorise_patient_data" | "invite_network_partner" | "invite_own_colleague" | "view_patients" | "refer_patient" | "start_consultation" | "answer_consultation" | "read_conversations" | "practice_administration" | "practice_declarations" | "care_group_declarations" | "view_finances" | "view_reports" | "view_aios_dashboard" | "ggz_actions" | "reset_password" | "view_access_log" | "approve_account_request" | "decide_authorisation_matrix" | "import_his_extraction" | "record_consent" | "share_patient";

export type ActionStatus = "open" | "done" | "cancelled";

/**
 * What activation answers: the username to log in with.
 */
export type Activated = { username: string, };

export type Address = { street: string, postal_code: string, city: string, };

/**
 * AGB code: the 8-digit Vektis registration of a care provider or practice.
 */
export type AgbCode = string;

export type AppInfo = { 
/**
 * "embedded" or "remote".
 */
mode: string, server_url: string, 
/**
 * Demo accounts and their password, shown on the login screen of the embedded demo only.
 */
demo_accounts: Array<DemoAccount>, demo_password: string | null, version: string, };

/**
 * An attachment of a message, as the reader sees it.
 */
export type AttachmentView = { id: string, name: string, mime: string, image: boolean, size: number, };

/**
 * The region's authorisation matrix (REF-2): per kind of receiving organisation, the data
 * categories a referral may carry. A kind without a row cannot be referred to. Versioned: only
 * the region operator's approval of a partner's request makes a new version.
 */
export type AuthorisationMatrix = { version: number, rows: Array<MatrixRow>, };

/**
 * Why a recipient may not read a message soon (CHAT-4).
 */
export type Away = { "reason": "absent", until: string, } | { "reason": "not_working_today", back: string, };

/**
 * A recipient who is away, shown before sending (CHAT-4).
 */
export type AwayNotice = { user_id: UserId, name: string, away: Away, };

/**
 * A chain-care programme (ketenzorg) or GGZ care a patient is enrolled in.
 */
export type CareProgramme = "DM" | "COPD" | "CVRM" | "Astma" | "GGZ" | "Ouderenzorg";

/**
 * A care street ("zorgstraat", CONS-1): the field a specialist group answers in.
 */
export type CareStreet = "ggz" | "dermatologie" | "cardiologie" | "ouderengeneeskunde";

/**
 * One link of the chain: an entry's seq and hash.
 */
export type ChainHead = { seq: number, 
/**
 * Hex of the entry's hash.
 */
hash: string, };

/**
 * The result of checking the chain.
 */
export type ChainVerification = { "status": "intact", entries: number, } | { "status": "broken", at_seq: number, } | { "status": "truncated", known_seq: number, };

/**
 * What the UI hears from the engine.
 */
export type ClientEvent = { "type": "connection", state: ConnectionState, } | { "type": "data_changed" } | { "type": "message_arrived", conversation_id: ConversationId, } | { "type": "notified", conversation_id: ConversationId, } | { "type": "mutation_rejected", id: string, 
/**
 * What the UI words: one of `ClientError::all_codes` (server codes it does not explain
 * one by one read as `refused`).
 */
code: ClientErrorCode, message: string, } | { "type": "secure_session", unlocked: boolean, } | { "type": "session_ended" };

/**
 * Where one-time login codes go; the user chooses and may change it (ACC-1).
 */
export type CodeChannel = "sms" | "email";

/**
 * The answer to a correct first step: a code is on its way.
 */
export type CodeSent = { challenge_id: string, channel: CodeChannel, 
/**
 * The destination, masked ("a•••s@praktijk.nl", "06 •••• 5678"), so the user knows where to look.
 */
destination: string, expires_at: string, };

export type CommandError = { 
/**
 * One of `ClientError::all_codes` (generated into the TypeScript list).
 */
code: ClientErrorCode, message: string, 
/**
 * With `rate_limited`: seconds until a new attempt is accepted (the UI says when).
 */
retry_after_seconds?: number, 
/**
 * With an `extraction_*` code: where in the file the problem is.
 */
location?: FileLocation, };

export type ConnectionState = "online" | "offline";

/**
 * Who gave consent for digital network care (PAT-6).
 */
export type ConsentGiver = "patient" | "representative";

export type ConsentTextView = { version: string, text: string, };

export type ConsentView = { id: string, given_by: ConsentGiver, text: ConsentTextView, recorded_by: string, recorded_at: string, withdrawn_by: string | null, withdrawn_at: string | null, };

/**
 * The consultation form (CONS-1): a group, or one of its specialists by name.
 */
export type ConsultationForm = { patient_id: PatientId, group: TeamId, specialist: UserId | null, subject: string, question: string, };

/**
 * A specialist group as the consultation form offers it (CONS-1).
 */
export type ConsultationGroupView = { team_id: TeamId, 
/**
 * The team's name: "Psychiatrische Consultatielijn voor huisartsen".
 */
name: string, organisation: string, care_street: CareStreet, 
/**
 * The specialists who answer in it (active, with keys), by name: the whole group reads a
 * question, or one of them is named.
 */
specialists: Array<PersonOption>, 
/**
 * The agreement in business hours: answer, first reminder, closing (CONS-5).
 */
answer_hours: number, reminder_hours: number, closing_hours: number, services: Array<DeclarableService>, };

/**
 * Where a consultation stands (the C tab's statuses).
 */
export type ConsultationStatus = "new" | "picked_up" | "answered" | "closed";

/**
 * A consultation in the C tab or on the patient's timeline (CONS-2, CONS-3).
 */
export type ConsultationSummary = { id: string, patient_id: PatientId, 
/**
 * `None` while locked or when the patient is not in my index (a specialist reads the
 * question, not the chart).
 */
patient_name: string | null, 
/**
 * `None` while locked, or for someone holding neither the conversation's key nor the
 * practice vault.
 */
subject: string | null, group: string, organisation: string, care_street: CareStreet, asked_by: string, asked_at: string, status: ConsultationStatus, picked_up_by: string | null, 
/**
 * The next step's deadline in words ("do 4 dec 12:00") and what it is for.
 */
deadline: DeadlineView | null, 
/**
 * The first reminder went out (CONS-5).
 */
reminded: boolean, 
/**
 * Closed by the server's clock, not by a person.
 */
closed_automatically: boolean, declarations: Array<DeclarationView>, 
/**
 * Unread messages in its conversation (the cloud).
 */
unread: number, conversation_id: ConversationId, 
/**
 * I take part: the content opens for me. Colleagues of the practice see the item without
 * an open button (CONS-3).
 */
can_open: boolean, 
/**
 * I may write in its conversation now: before pickup only the asker, never once closed.
 */
may_write: boolean, 
/**
 * I asked it (the practice's side: it can go back to the HIS).
 */
asked_by_me: boolean, 
/**
 * What I can do with it now.
 */
may_pick_up: boolean, may_answer: boolean, may_declare: boolean, may_close: boolean, 
/**
 * The group's services, for the specialist who declares.
 */
services: Array<DeclarableService>, };

/**
 * One contract of the logged-in user.
 */
export type Contract = { organisation_id: OrganisationId, organisation_name: string, role: Role, };

/**
 * A conversation (gesprek) between caregivers, about a patient or not (CHAT-1, CHAT-2).
 */
export type ConversationId = string;

/**
 * A conversation in the inbox (the G list of CHAT-5).
 */
export type ConversationSummary = { id: ConversationId, 
/**
 * `None` while the lock is closed: titles are sealed.
 */
title: string | null, patient: PatientLabel | null, participants: Array<ParticipantView>, last_message_at: string | null, 
/**
 * Messages of others after my read marker (CHAT-8: the conversation cloud).
 */
unread: number, 
/**
 * False once I left (CHAT-7): readable, not writable, shown grey.
 */
active: boolean, 
/**
 * Left and deleted: hidden from the list unless asked for (CHAT-7).
 */
archived: boolean, 
/**
 * My messages still in the outbox.
 */
sending: number, 
/**
 * The latest time it went back to the HIS (CHAT-6), so nobody sends it twice by accident.
 */
returned_to_his: HisReturnMark | null, };

/**
 * One conversation opened.
 */
export type ConversationView = { summary: ConversationSummary, messages: Array<MessageView>, 
/**
 * I take part and may write.
 */
can_write: boolean, };

/**
 * One month of one group on the quality dashboard.
 */
export type DashboardRow = { 
/**
 * "2026-12", by the day it was asked in Dutch time.
 */
month: string, group: string, sent: number, picked_up: number, 
/**
 * Answered within the group's agreement, in business hours (CONS-5).
 */
answered_within: number, declared: number, };

/**
 * A category of medical data a referral can carry: each measurement kind, medication, and the
 * care programmes. Measurements are matched by LOINC code; one coded otherwise belongs to no
 * category and never goes along.
 */
export type DataCategory = "blood_pressure" | "pulse" | "weight" | "height" | "bmi" | "glucose" | "hba1c" | "cholesterol" | "kidney_function" | "medication" | "programmes";

/**
 * Which deadline comes next.
 */
export type DeadlineKind = "answer" | "reminder" | "closing";

export type DeadlineView = { kind: DeadlineKind, 
/**
 * "do 4 dec 12:00", Dutch time.
 */
words: string, 
/**
 * Already past (the reminder went, or the closing is near).
 */
overdue: boolean, };

/**
 * A service a specialist of the group can book for a consultation ("verrichting", CONS-4).
 */
export type DeclarableService = { code: string, description: string, };

/**
 * One booked service in the finance export.
 */
export type DeclarationRow = { 
/**
 * The day it was booked, in Dutch time.
 */
date: string, practice: string, group: string, organisation: string, code: string, description: string, specialist: string, 
/**
 * The consultation's reference (its id), to reconcile with the specialist's invoice.
 */
consultation: string, };

export type DeclarationView = { code: string, description: string, by: string, at: string, };

/**
 * Where a MEDVRI went: what the user is told (issue 13: a file in a folder is not yet "in the
 * HIS").
 */
export type Delivered = { "kind": "zorg_mail", address: string, } | { "kind": "folder", path: string, };

/**
 * A demo account as the login screen lists it.
 */
export type DemoAccount = { username: string, description: string, };

/**
 * A message in the dev outbox.
 */
export type DevMessage = { channel: CodeChannel, to: string, subject: string, body: string, at: string, };

export type Directory = { organisations: Array<OrganisationView>, };

export type DisorderOption = { disorder: SuspectedDisorder, name: string, explanation: string, };

/**
 * An e-mail address: one `@`, a non-empty local part, a domain with a dot, no spaces. The
 * domain is lower-cased; the local part is kept as typed (it may be case-sensitive).
 */
export type Email = string;

/**
 * One field's problem; `code` is what the UI translates (`required`, `agb_format`, …).
 */
export type FieldError = { field: FormField, code: string, };

export type FileLocation = { line: number | null, column: number | null, field: string | null, };

/**
 * A file the window attaches: its name and content (base64).
 */
export type FileUpload = { name: string, data: string, };

/**
 * The form fields, as the UI names them.
 */
export type FormField = "initials" | "surname" | "agb" | "email" | "mobile" | "role";

export type Gender = "male" | "female" | "other" | "unknown";

/**
 * Who wrote a version, and when.
 */
export type HealthPlanChange = { number: number, by: string, at: string, };

/**
 * One item of the plan, as its author wrote it.
 */
export type HealthPlanItem = { "type": "problem", title: string, description: string, } | { "type": "goal", 
/**
 * What is to be reached ("Zelfstandig boodschappen doen").
 */
title: string, 
/**
 * By when, if agreed.
 */
by?: string | null, 
/**
 * How it is measured ("loopt 500 m zonder rust").
 */
measured_by: string, } | { "type": "action", title: string, who: Responsible, by?: string | null, status: ActionStatus, };

/**
 * One item of the health plan as the plan shows it (CARE-2): the item now, who changed it last
 * and when, and every earlier change.
 */
export type HealthPlanItemView = { id: string, item: HealthPlanItem, 
/**
 * The version shown; saving sends the next one.
 */
version: number, changes: Array<HealthPlanChange>, 
/**
 * The caregiver an action names, by name.
 */
responsible: string | null, };

/**
 * When and by whom a conversation went to the HIS, and how many messages that held.
 */
export type HisReturnMark = { at: string, 
/**
 * `None` when the person is not in the directory (any more).
 */
by: string | null, messages: number, };

/**
 * What was sent and where, for the confirmation.
 */
export type HisReturnReceipt = { reference: string, messages: number, delivered: Delivered, };

/**
 * Where this workstation sends a conversation for the HIS, said before it goes (found by a new
 * user: the dialog asked for a ZorgMail address and then wrote a file).
 */
export type HisRoute = { "kind": "zorg_mail" } | { "kind": "folder", path: string, };

/**
 * What a nurse enters (CARE-4): one kind, its values as typed, the moment measured.
 */
export type HomeMeasurementForm = { patient_id: PatientId, kind: HomeMeasurementKind, 
/**
 * As typed, one per quantity of the kind (blood pressure: systolic, diastolic).
 */
values: Array<string>, at: string, };

/**
 * What a nurse measures at home.
 */
export type HomeMeasurementKind = "blood_pressure" | "pulse" | "weight" | "glucose" | "oxygen_saturation" | "temperature" | "pain_score";

export type ImportPhase = "reading" | "sealing" | "sending" | "syncing" | "referrals" | "done";

/**
 * How far an import is, for the progress bar.
 */
export type ImportProgress = { phase: ImportPhase, done: number, total: number, };

/**
 * What an import did: the import report (issue 14).
 */
export type ImportSummary = { created: number, updated: number, measurements: number, 
/**
 * What the file held that Kring left out, counted per reason.
 */
skipped: Array<SkippedCount>, 
/**
 * Each left-out resource or row with its place in the file (`entry[12]`), for the report the
 * user can save: places and reasons only, never content.
 */
skipped_places: Array<SkippedPlace>, };

/**
 * A team inbox the composer offers (CHAT-3).
 */
export type InboxView = { team_id: TeamId, name: string, organisation: string, members: number, };

/**
 * What the activation screen shows of an invitation (the key-derivation cost stays inside).
 */
export type InvitationView = { username: string, display_name: string, has_mobile: boolean, };

/**
 * What a HIS launch leads to once the lock is open (PAT-4).
 */
export type LaunchOpening = { "status": "open", patient_id: PatientId, } | { "status": "ask_birth_date" };

export type LetterFile = { message_id: string, attachment_id: string, };

export type LetterSection = { heading: string, lines: Array<string>, };

export type MatrixRequestView = { id: string, kind: OrganisationKind, category: DataCategory, explanation: string, requested_by: string, organisation: string, requested_at: string, approved: boolean | null, decided_by: string | null, version: number | null, };

/**
 * One row of the matrix: what a kind of organisation may receive.
 */
export type MatrixRow = { kind: OrganisationKind, categories: Array<DataCategory>, };

/**
 * The matrix and the requests to extend it, for everyone to see (REF-2).
 */
export type MatrixView = { matrix: AuthorisationMatrix, changed_by: string | null, changed_at: string | null, requests: Array<MatrixRequestView>, 
/**
 * I am a region operator: I decide requests.
 */
can_decide: boolean, };

/**
 * The logged-in user and the contracts (organisation + role) they hold.
 */
export type Me = { user_id: UserId, username: string, display_name: string, contracts: Array<Contract>, };

/**
 * One measurement (meting): what, value, unit, when.
 */
export type Measurement = { 
/**
 * The code as the HIS sent it, `system|code` (LOINC, NHG labcode table 45, SNOMED).
 */
code: string, 
/**
 * What the HIS called it ("Systolische bloeddruk").
 */
label: string, value: number, unit: string, date: string, };

export type MeasurementSeries = { code: string, label: string, unit: string, points: Array<SeriesPoint>, 
/**
 * The guideline's target band the chart shades (kring_domain::targets).
 */
target: TargetRange | null, };

export type MeasurementSource = "his" | "home";

/**
 * One medication statement (medicatie).
 */
export type Medication = { name: string, dosage: string | null, since: string | null, 
/**
 * The last day of use, when the HIS gives one (MP9's `effectivePeriod.end`); after it the
 * medication is stopped ([`Medication::current_on`]).
 */
until: string | null, 
/**
 * False once the HIS marks it stopped or completed.
 */
active: boolean, 
/**
 * Paused ("onderbroken", MP9 `on-hold`): still prescribed, not taken now.
 */
on_hold: boolean, };

export type MemberView = { user_id: UserId, name: string, role: Role, role_name: string, agb: string | null, 
/**
 * Functions from the profile (PROF-1).
 */
functions: Array<string>, 
/**
 * Set while the person is away today: the last day of the absence (PROF-4).
 */
absent_until: string | null, };

export type MessageState = "sent" | "sending" | "refused" | "unverified";

export type MessageView = { id: string, author_id: UserId, author_name: string, 
/**
 * `None` when the signature does not check out: the text is not shown then.
 */
text: string | null, 
/**
 * Server time; `None` while it waits in the outbox.
 */
sent_at: string | null, mine: boolean, state: MessageState, attachments: Array<AttachmentView>, };

/**
 * A Dutch mobile number (06…), kept in E.164 form: `+316XXXXXXXX`. Used only to send one-time
 * login codes by SMS, so a landline is refused with its own error.
 */
export type MobileNumber = string;

export type NetworkJoin = "conversation" | "manual" | "referral";

/**
 * A caregiver involved with a patient (NET-1).
 */
export type NetworkMemberView = { user_id: UserId, name: string, organisations: Array<string>, joined_via: NetworkJoin, 
/**
 * Who added them (themselves, when they joined by a conversation or a referral).
 */
added_by: string, joined_at: string, 
/**
 * I added them by hand: I may take them out again (added by mistake).
 */
removable: boolean, };

/**
 * An organisation (organisatie): a GP practice, care group, home-care or GGZ provider.
 */
export type OrganisationId = string;

/**
 * What an organisation is; decides which roles make sense inside it.
 */
export type OrganisationKind = "gp_practice" | "care_group" | "home_care" | "ggz_provider" | "neighbourhood_team" | "region_operator";

export type OrganisationPermissions = { organisation_id: OrganisationId, actions: Array<Action>, };

export type OrganisationView = { id: OrganisationId, name: string, kind: OrganisationKind, city: string, agb: string | null, teams: Array<TeamView>, 
/**
 * People with a contract at the organisation but in no team.
 */
members: Array<MemberView>, };

export type ParticipantView = { user_id: UserId, name: string, active: boolean, inhabitant: boolean, 
/**
 * The team inbox through which they take part (CHAT-3).
 */
via_inbox: string | null, 
/**
 * Away today (CHAT-4).
 */
away: Away | null, };

export type Partner = { organisation_id: OrganisationId, name: string, city: string, shared: boolean, };

/**
 * Measurements and medication from the HIS.
 */
export type PatientChart = { measurements: Array<Measurement>, medication: Array<Medication>, };

/**
 * A patient (patiënt), pseudonymous: the id says nothing about who the patient is. The BSN
 * is stored only as a keyed hash (DESIGN.md).
 */
export type PatientId = string;

export type PatientLabel = { id: PatientId, 
/**
 * "de Vries, Jan" when I see the patient with the open lock.
 */
name: string | null, birth_date: string | null, };

export type PatientOverview = { total: number, patients: Array<PatientSummary>, };

/**
 * How the patient came into Kring.
 */
export type PatientSource = "extraction" | "his_launch";

/**
 * A patient in the overview.
 */
export type PatientSummary = { id: PatientId, organisation_id: OrganisationId, 
/**
 * "de Vries, Jan"; empty for a patient a HIS launch added before any extraction had them.
 */
name: string, birth_date: string, gender: Gender, bsn: string, programmes: Array<CareProgramme>, has_consent: boolean, 
/**
 * Seen through the care network the practice opened (PAT-5), not as the practice.
 */
via_network: boolean, };

/**
 * The patient page.
 */
export type PatientView = { summary: PatientSummary, 
/**
 * "J.P.M. van Putten-van der Giessen" (with the roepnaam, when known, in brackets after it).
 */
formal_name: string, call_name: string | null, address: Address | null, phone: string | null, source: PatientSource, chart: PatientChart, 
/**
 * Measurements grouped per kind, oldest first: one trend chart each.
 */
series: Array<MeasurementSeries>, consents: Array<ConsentView>, 
/**
 * The text a new consent is recorded under.
 */
consent_text: ConsentTextView, 
/**
 * Newest first.
 */
timeline: Array<TimelineEvent>, 
/**
 * What this user may do here (the Acties tab shows only these).
 */
actions: Array<Action>, 
/**
 * For those who may share (PAT-5): the partner organisations and which see the patient.
 */
sharing: Sharing | null, 
/**
 * The practice shared the patient and I see it: there is a care network to record home
 * measurements (CARE-4) and keep the health plan (CARE-2) for.
 */
care_network_open: boolean, };

/**
 * A period of the finance export, both days included; dates travel as `2026-12-01`.
 */
export type Period = { from: string, until: string, };

export type PersonOption = { user_id: UserId, name: string, };

/**
 * The profile form as typed.
 */
export type ProfileForm = { first_name: string, last_name: string, functions: Array<string>, working_days: Array<Weekday>, absences: Array<Absence>, notification_email: string, notify_on_message: boolean, };

/**
 * The profile page's content.
 */
export type ProfileView = { username: string, first_name: string, last_name: string, functions: Array<string>, working_days: Array<Weekday>, absences: Array<Absence>, email: string | null, mobile: string | null, code_channel: CodeChannel, notification_email: string | null, notify_on_message: boolean, 
/**
 * The list functions are chosen from (PROF-1).
 */
function_choices: Array<string>, };

/**
 * Someone the composer offers as a recipient.
 */
export type RecipientView = { user_id: UserId, name: string, organisation: string, role_name: string, away: Away | null, };

/**
 * What I may do with a referral now.
 */
export type ReferralAction = "take" | "decline" | "feedback" | "close" | "withdraw";

/**
 * Which side of a referral I am on.
 */
export type ReferralDirection = "sent" | "received";

export type ReferralEventView = { step: ReferralStep, by: string, at: string, };

/**
 * The referral form (REF-1, REF-4).
 */
export type ReferralForm = { patient_id: PatientId, organisation_id: OrganisationId, team_id: TeamId | null, reason: string, suspected_disorder: SuspectedDisorder | null, remarks: string, 
/**
 * Asked when the extraction has none (REF-4); otherwise the extraction's goes along.
 */
phone: string | null, on_behalf_of: UserId | null, };

/**
 * The letter: a title and its sections, in order.
 */
export type ReferralLetter = { title: string, sections: Array<LetterSection>, };

/**
 * Where a referral can go from this patient's Acties page, and what the form needs.
 */
export type ReferralOptions = { targets: Array<ReferralTarget>, 
/**
 * The GPs of the practice, for a POH-GGZ referring on their behalf (REF-4).
 */
gps: Array<PersonOption>, 
/**
 * I am the practice's POH-GGZ: a GGZ referral names the GP it is on behalf of.
 */
on_behalf_required: boolean, 
/**
 * The phone number the extraction has (REF-4 asks it when there is none).
 */
phone: string | null, has_consent: boolean, matrix_version: number, 
/**
 * The main categories of a suspected disorder with their explanation (REF-4).
 */
disorders: Array<DisorderOption>, };

export type ReferralPatient = { formal_name: string, birth_date: string, gender: Gender, bsn: string, };

/**
 * Where a referral stands. Both the practice and the receiving organisation see it.
 */
export type ReferralStatus = "sent" | "in_treatment" | "feedback_given" | "closed" | "declined" | "withdrawn";

/**
 * What happens to a referral; each step is a timeline item with who and when.
 */
export type ReferralStep = "sent" | "taken" | "feedback" | "closed" | "declined" | "withdrawn" | "data_updated";

/**
 * A referral in a list (the inbox's V tab, the patient's timeline).
 */
export type ReferralSummary = { id: string, patient_id: PatientId, 
/**
 * `None` while the lock is closed or when the referral's key is not mine.
 */
patient_name: string | null, direction: ReferralDirection, practice: string, to_organisation: string, to_team: string | null, referred_by: string, taken_by: string | null, status: ReferralStatus, ggz: boolean, sent_at: string, changed_at: string, 
/**
 * Unread messages in the referral's conversation (the cloud).
 */
unread: number, conversation_id: ConversationId, };

/**
 * A receiving organisation the matrix has a row for, with the data that would go along.
 */
export type ReferralTarget = { organisation_id: OrganisationId, name: string, kind: OrganisationKind, city: string, teams: Array<TeamOption>, categories: Array<DataCategory>, 
/**
 * How many caregivers there would receive it (with keys).
 */
receivers: number, };

/**
 * A referral opened: what the receiver reads and the practice sees it sent.
 */
export type ReferralView = { summary: ReferralSummary, patient: ReferralPatient, reason: string, suspected_disorder: SuspectedDisorder | null, remarks: string, phone: string | null, on_behalf_of: string | null, categories: Array<DataCategory>, series: Array<MeasurementSeries>, medication: Array<Medication>, programmes: Array<CareProgramme>, 
/**
 * The content held more than the matrix allows; the surplus was dropped and not shown.
 */
trimmed: boolean, history: Array<ReferralEventView>, actions: Array<ReferralAction>, 
/**
 * Colleagues of the receiving organisation one can add to the care network after taking it.
 */
colleagues: Array<PersonOption>, 
/**
 * The GGZ referral letter (REF-4) as sent; its PDF is [`LETTER_FILE`] in the conversation.
 */
letter: ReferralLetter | null, 
/**
 * Where that PDF is: the message and attachment to save or open it by.
 */
letter_file: LetterFile | null, 
/**
 * The referral's conversation as far as I take part in it: the reason's first message, the
 * decline reason, the feedback with its attachments (REF-3). Empty for a practice colleague
 * outside the conversation.
 */
messages: Array<MessageView>, };

/**
 * Where an account request stands. Every state is visible to the practice (STAFF-3).
 */
export type RequestStatus = "pending" | "invited" | "activated" | "rejected";

/**
 * Who carries out an action.
 */
export type Responsible = { "kind": "caregiver", "user_id": UserId } | { "kind": "patient" };

/**
 * A role someone holds under one contract (a user can hold different roles in different
 * organisations; see ACC-6).
 */
export type Role = "huisarts" | "assistent" | "assistent_fin" | "poh_s" | "poh_s_zonder_financieel" | "kwaliteitsmedewerker" | "aios" | "waarnemer" | "poh_ggz" | "zorgverlener" | "hoofdzorgverlener" | "accountbeheerder" | "consultatiegever" | "regiobeheerder";

export type RoleOption = { role: Role, name: string, practice: boolean, network: boolean, };

export type SeriesPoint = { date: string, value: number, 
/**
 * Outside the series' target band (`TargetRange::excludes`): the chart marks it.
 */
out_of_range: boolean, 
/**
 * Where it was measured: the practice (the HIS) or at home (CARE-4).
 */
source: MeasurementSource, };

/**
 * Where the session stands, for the UI after login and after each change.
 */
export type SessionState = { me: Me, 
/**
 * Per organisation, what the user's roles there permit: the UI shows only those actions
 * (from the one permission table, `Role::permits`).
 */
permissions: Array<OrganisationPermissions>, must_change_password: boolean, keys_were_reset: boolean, unlocked: boolean, idle_lock_minutes: number, 
/**
 * Every role with its Dutch name; `practice` marks those a practice requests accounts for
 * (STAFF-2, STAFF-5).
 */
roles: Array<RoleOption>, };

/**
 * The practice's choice of who outside it sees the patient (PAT-5).
 */
export type Sharing = { partners: Array<Partner>, };

/**
 * Why something in a valid extraction was left out (docs/patients.md lists them per resource).
 */
export type SkipReason = "other_resource" | "entered_in_error" | "undated_measurement" | "not_numeric" | "bounded_value" | "unknown_episode" | "patient_without_bsn" | "incomplete_birth_date" | "patient_left_out" | "not_understood" | "not_taken";

export type SkippedCount = { reason: SkipReason, count: number, };

export type SkippedPlace = { reason: SkipReason, place: string, };

/**
 * Medewerkersbeheer: the practice's people and its open account requests.
 */
export type StaffList = { organisation_id: OrganisationId, members: Array<StaffMember>, 
/**
 * Requests of the last 30 days, newest first (STAFF-3).
 */
requests: Array<AccountRequestEntry>, };

export type StaffMember = { user_id: UserId, name: string, roles: Array<Role>, role_names: Array<string>, active: boolean, authorised: boolean, access: AccessStatus, 
/**
 * Whether any role works with patient data: others cannot be authorised (STAFF-7).
 */
works_with_patients: boolean, 
/**
 * The colleague's user id in the practice's HIS, for single sign-on (STAFF-11).
 */
his_user_id: string | null, };

/**
 * Main categories of a suspected disorder for a GGZ referral (REF-4), as GGZ intake uses them
 * (the DSM-5 main groups a GP distinguishes), each with a short explanation for the form.
 */
export type SuspectedDisorder = "depressive" | "anxiety" | "trauma_stress" | "obsessive_compulsive" | "bipolar" | "psychotic" | "personality" | "substance" | "eating" | "neurodevelopmental" | "somatic" | "other";

/**
 * A band with one or two edges; `None` is an open side ("below 140").
 */
export type TargetRange = { low: number | null, high: number | null, };

/**
 * A team (team) inside an organisation, e.g. a district-nursing team.
 */
export type TeamId = string;

export type TeamOption = { team_id: TeamId, name: string, 
/**
 * How many caregivers of the team would receive a referral to it.
 */
receivers: number, };

export type TeamView = { id: TeamId, name: string, contact_person: MemberView | null, members: Array<MemberView>, };

/**
 * One line of the timeline (Tijdlijn). The UI words it by `kind`; `detail` is data.
 */
export type TimelineEvent = { date: string, kind: TimelineKind, detail: string, };

export type TimelineKind = "added_from_extraction" | "added_from_his" | "extraction_updated" | "consent_given" | "consent_withdrawn" | "measurement" | "medication_started" | "referral_sent" | "referral_taken" | "referral_feedback" | "referral_closed" | "referral_declined" | "referral_withdrawn" | "referral_data_updated" | "home_measurement";

/**
 * A person with an account (gebruiker).
 */
export type UserId = string;

/**
 * A day of the week someone works.
 */
export type Weekday = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

/** Every code a command's error can carry (`ClientError::all_codes`); the UI words each. */
export const CLIENT_ERROR_CODES = [
  'activation_link_invalid',
  'attachment_empty',
  'attachment_kind_mismatch',
  'attachment_kind_not_allowed',
  'attachment_too_large',
  'attachment_too_many',
  'bad_signature',
  'cache',
  'code_attempts',
  'code_delivery_failed',
  'code_expired',
  'code_used',
  'code_wrong',
  'consent_required',
  'consultation_already_declared',
  'consultation_already_picked_up',
  'consultation_closed',
  'consultation_invalid_agreement',
  'consultation_invalid_period',
  'consultation_no_specialists',
  'consultation_not_picked_up',
  'consultation_question_required',
  'consultation_question_too_long',
  'consultation_subject_control_characters',
  'consultation_subject_required',
  'consultation_subject_too_long',
  'consultation_unknown_group',
  'consultation_unknown_service',
  'conversation_empty_message',
  'conversation_empty_title',
  'conversation_left',
  'conversation_message_too_long',
  'conversation_no_recipients',
  'conversation_recipient_without_keys',
  'conversation_title_too_long',
  'conversation_too_many_participants',
  'current_password_wrong',
  'extraction_duplicate_bsn',
  'extraction_invalid_bsn',
  'extraction_invalid_date',
  'extraction_invalid_fhir',
  'extraction_invalid_number',
  'extraction_missing_birth_date',
  'extraction_missing_name',
  'extraction_missing_value',
  'extraction_no_patients',
  'extraction_not_utf8',
  'extraction_too_few_columns',
  'extraction_truncated',
  'extraction_unknown_gender',
  'extraction_unknown_patient',
  'extraction_unknown_programme',
  'extraction_unknown_row_kind',
  'forbidden',
  'health_plan_changed_meanwhile',
  'health_plan_not_in_network',
  'health_plan_text_too_long',
  'health_plan_title_invalid',
  'health_plan_title_required',
  'his_return_comment_too_long',
  'his_return_failed',
  'his_return_needs_patient',
  'home_measurement_diastolic_not_below_systolic',
  'home_measurement_implausible',
  'home_measurement_in_the_future',
  'home_measurement_not_a_number',
  'home_measurement_pain_score_not_whole',
  'home_measurement_too_old',
  'home_measurement_value_required',
  'home_measurement_wrong_number_of_values',
  'internal',
  'invalid_birth_date',
  'invalid_credentials',
  'invalid_form',
  'invalid_request',
  'invalid_server_url',
  'invalid_zorgmail_address',
  'keyring',
  'keys_lost',
  'launch_bad_signature',
  'launch_bsn_invalid',
  'launch_bsn_not_verified',
  'launch_expired',
  'launch_malformed',
  'launch_not_a_link',
  'launch_other_user',
  'launch_replayed',
  'launch_too_long',
  'launch_unknown_his_user',
  'launch_wrong_audience',
  'locked',
  'missing_credentials',
  'no_keys',
  'no_patient_data_access',
  'not_in_care_network',
  'not_shared',
  'not_synced',
  'password_change_required',
  'password_common',
  'password_like_username',
  'password_too_short',
  'password_unchanged',
  'passwords_differ',
  'profile_absence_backwards',
  'profile_name_invalid',
  'profile_name_required',
  'profile_notification_email',
  'profile_notification_without_email',
  'profile_too_many_functions',
  'profile_unknown_function',
  'protocol',
  'rate_limited',
  'referral_already_permitted',
  'referral_already_requested',
  'referral_already_taken',
  'referral_decline_reason_required',
  'referral_feedback_empty',
  'referral_invalid_phone',
  'referral_no_matrix_entry',
  'referral_no_receivers',
  'referral_not_open',
  'referral_not_taken',
  'referral_on_behalf_of_required',
  'referral_outside_participant',
  'referral_reason_required',
  'referral_request_explanation_required',
  'referral_request_too_long',
  'referral_text_too_long',
  'referral_unknown_organisation',
  'referral_withdraw_after_taken',
  'refused',
  'resync_required',
  'server_unreachable',
  'session_expired',
  'too_many_unlock_attempts',
  'unavailable',
  'wrong_password',
  'zorgmail_address_required',
] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
