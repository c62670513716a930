//! Conversations on the client (CHAT-1 … CHAT-11, NET-1, NET-2).
//!
//! Everything readable is made and read here: a conversation's title and messages are sealed
//! with its epoch key and signed with my signing key before they leave, and opened and checked
//! against the author's published key when shown. The cache holds them sealed, so reading works
//! offline with the open lock; a message written offline waits in the outbox ("wordt
//! verzonden") and goes out on reconnect, in order, exactly once.

use crate::cache::Cache;
use crate::error::{ClientError, ClientResult};
use crate::KringClient;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_domain::conversation::{
    away_on, check_attachment, check_message, check_title, AttachmentError, AttachmentInfo, ConversationError, MessageBody,
    ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENTS, MAX_PARTICIPANTS,
};
use kring_domain::{AccessKind, ConversationId, PatientId, TeamId, UserId};
use kring_protocol::conversations::{
    attachment_context, title_context, AttachmentMeta, CareNetworkMemberEntry, ConversationEntry, HisReturnEntry, MessageEntry,
    NewMessage, NewParticipant, ParticipantKind, ParticipationEntry, WrappedKey,
};
use kring_protocol::{Change, ChangeBody, EntityKind, ErrorCode, Mutation, PersonEntry, Scope, SyncPage};
use rand::RngCore;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

mod network;
mod views;
pub use views::*;

/// The epoch a message goes under: its number, its key, and the wrapped keys of a new epoch when
/// the message starts one.
type SendingEpoch = (u32, Zeroizing<[u8; 32]>, Option<Vec<WrappedKey>>);

/// An epoch key, by number.
type EpochKeys = HashMap<u32, Zeroizing<[u8; 32]>>;

/// A conversation as a list of consultations shows it (see [`KringClient::glances`]).
pub(crate) struct Glance {
    pub title: Option<String>,
    pub active: bool,
    pub unread: usize,
    read_up_to: Option<OffsetDateTime>,
}

/// A conversation sealed and ready to go out with the mutation that starts it.
pub(crate) struct PreparedConversation {
    pub id: ConversationId,
    pub title: String,
    pub participants: Vec<NewParticipant>,
    pub first_message: NewMessage,
}

impl KringClient {
    /// The inbox's conversations, newest first; archived ones only when asked (CHAT-5, CHAT-7).
    pub fn conversations(&self, include_archived: bool) -> ClientResult<Vec<ConversationSummary>> {
        let participations = self.participations()?;
        let people = self.people_by_id()?;
        let teams = self.team_names()?;
        // Read once for the whole list, not once per conversation.
        let outbox = self.outbox()?;
        let mut list = Vec::new();
        for entry in self.conversation_entries()? {
            let Some(mine) = participations.get(&entry.id) else { continue };
            if mine.archived && !include_archived {
                continue;
            }
            list.push(self.summary(&entry, mine, &people, &teams, &outbox)?);
        }
        list.sort_by_key(|summary| std::cmp::Reverse(summary.last_message_at));
        Ok(list)
    }

    /// What a list of consultations needs of their conversations (the C tab): the title (while
    /// unlocked), whether I still take part and how many messages I have not read. Read in bulk
    /// (all conversations, all messages, my participations: three queries) and only the first key
    /// epoch unwrapped per conversation, so a list of a thousand opens in well under 100 ms.
    pub(crate) fn glances(
        &self,
        ids: &std::collections::HashSet<ConversationId>,
    ) -> ClientResult<HashMap<ConversationId, Glance>> {
        let me = self.inner.me.user_id;
        let participations = self.participations()?;
        let unlocked = self.is_unlocked();
        let mut glances = HashMap::new();
        for entry in self.conversation_entries()?.into_iter().filter(|entry| ids.contains(&entry.id)) {
            let Some(mine) = participations.get(&entry.id) else { continue };
            let title = if unlocked { self.open_title(&entry).ok() } else { None };
            glances.insert(entry.id, Glance { title, active: mine.active, unread: 0, read_up_to: mine.read_up_to });
        }
        for body in self.inner.cache.entities(EntityKind::Message)? {
            let ChangeBody::Message(message) = body else { continue };
            let Some(glance) = glances.get_mut(&message.conversation_id) else { continue };
            if glance.active && message.author != me && glance.read_up_to.is_none_or(|read| message.sent_at > read) {
                glance.unread += 1;
            }
        }
        Ok(glances)
    }

    /// Conversations whose title, participants, patient or (with the open lock) messages
    /// contain every word of `query`, accents folded.
    pub fn search_conversations(&self, query: &str) -> ClientResult<Vec<ConversationSummary>> {
        let words: Vec<String> = crate::patients::normalise(query).split_whitespace().map(str::to_owned).collect();
        let mut found = Vec::new();
        for summary in self.conversations(true)? {
            let mut haystack = String::new();
            haystack.push_str(summary.title.as_deref().unwrap_or_default());
            for participant in &summary.participants {
                haystack.push(' ');
                haystack.push_str(&participant.name);
            }
            if let Some(name) = summary.patient.as_ref().and_then(|p| p.name.as_deref()) {
                haystack.push(' ');
                haystack.push_str(name);
            }
            if self.is_unlocked() {
                for message in self.conversation_view(summary.id)?.messages {
                    haystack.push(' ');
                    haystack.push_str(message.text.as_deref().unwrap_or_default());
                }
            }
            let haystack = crate::patients::normalise(&haystack);
            if words.iter().all(|word| haystack.contains(word.as_str())) {
                found.push(summary);
            }
        }
        Ok(found)
    }

    /// How many conversations have unread messages (the badge on "Gesprekken").
    pub fn unread_conversations(&self) -> ClientResult<usize> {
        Ok(self.conversations(false)?.iter().filter(|c| c.unread > 0).count())
    }

    /// Start a conversation with its first message (CHAT-1, CHAT-2). Needs the open lock and a
    /// connection: the server checks who may take part before anything exists.
    pub async fn start_conversation(&self, new: NewConversation) -> ClientResult<ConversationId> {
        let prepared = self.prepare_conversation(&new)?;
        let id = prepared.id;
        self.submit_now(Mutation::StartConversation {
            conversation_id: id,
            patient_id: new.patient_id,
            title: prepared.title,
            participants: prepared.participants,
            first_message: prepared.first_message,
            inboxes: new.inboxes.clone(),
        })
        .await?;
        tracing::info!(conversation_id = %id, "conversation started");
        Ok(id)
    }

    /// A new conversation made ready to send: its id, its title and first message sealed under
    /// a fresh epoch key, and that key wrapped for me, the recipients and each inbox's members.
    pub(crate) fn prepare_conversation(&self, new: &NewConversation) -> ClientResult<PreparedConversation> {
        let title = check_title(&new.title)?;
        let text = check_message(&new.text)?;
        let me = self.inner.me.user_id;
        // Named recipients, then each inbox's members who are not named already.
        let mut recipients: Vec<(UserId, Option<TeamId>)> = Vec::new();
        for user in new.recipients.iter().copied() {
            if user != me && !recipients.iter().any(|(u, _)| *u == user) {
                recipients.push((user, None));
            }
        }
        for team in &new.inboxes {
            for user in self.team_members(*team)? {
                if user != me && !recipients.iter().any(|(u, _)| *u == user) {
                    recipients.push((user, Some(*team)));
                }
            }
        }
        if recipients.is_empty() {
            return Err(ConversationError::NoRecipients.into());
        }
        if recipients.len() + 1 > MAX_PARTICIPANTS {
            return Err(ConversationError::TooManyParticipants.into());
        }
        let id = ConversationId::new();
        let key = new_epoch_key();
        let people = self.people_by_id()?;
        let mut participants = Vec::new();
        for (user, via_inbox) in std::iter::once((me, None)).chain(recipients) {
            let wrapped = wrap_for(&people, user, &key)?;
            participants.push(NewParticipant { user_id: user, kind: ParticipantKind::Caregiver, via_inbox, keys: vec![wrapped] });
        }
        let title = STANDARD_NO_PAD.encode(kring_crypto::seal_with_key(&key, &title_context(id), title.as_bytes())?);
        let first_message = self.seal_message(id, 0, &key, &MessageBody { text, attachments: Vec::new() }, Vec::new())?;
        Ok(PreparedConversation { id, title, participants, first_message })
    }

    /// Write a message. Offline it waits in the outbox. When someone left since the newest key
    /// epoch, this message starts a new one for the remaining participants (rotate on leave).
    pub async fn send_message(&self, conversation_id: ConversationId, text: &str) -> ClientResult<Uuid> {
        self.send_message_with(conversation_id, text, Vec::new()).await
    }

    /// Write a message with attachments (CHAT-10): each file is checked (kind by content, at
    /// most 20 MB), sealed in 256 KiB chunks with the message's epoch key and uploaded first (this
    /// needs a connection); then the message goes as any other. The text may be empty then.
    pub async fn send_message_with(
        &self,
        conversation_id: ConversationId,
        text: &str,
        files: Vec<NewAttachment>,
    ) -> ClientResult<Uuid> {
        let (text, kinds) = self.check_outgoing(conversation_id, text, &files)?;
        let entry = self.conversation_entry(conversation_id)?;
        let (number, key, new_epoch) = self.sending_epoch(&entry)?;
        let (mut infos, mut metas) = (Vec::new(), Vec::new());
        for (file, kind) in files.into_iter().zip(kinds) {
            let id = Uuid::now_v7();
            let mut chunks = 0u32;
            for (index, chunk) in (0u32..).zip(file.bytes.chunks(ATTACHMENT_CHUNK_BYTES)) {
                let sealed = kring_crypto::seal_with_key(&key, &attachment_context(conversation_id, id, index), chunk)?;
                self.inner.api.put_attachment_chunk(conversation_id, id, index, sealed).await?;
                chunks += 1;
            }
            tracing::debug!(%conversation_id, attachment_id = %id, chunks, "attachment uploaded");
            infos.push(AttachmentInfo { id, name: file.name, kind, size: file.bytes.len() as u64 });
            metas.push(AttachmentMeta { id, chunks });
        }
        let message = self.seal_message(conversation_id, number, &key, &MessageBody { text, attachments: infos }, metas)?;
        let id = message.id;
        self.submit(Mutation::PostMessage { conversation_id, message, new_epoch }).await?;
        tracing::debug!(%conversation_id, message_id = %id, "message queued");
        Ok(id)
    }

    /// Open a conversation: its messages, decrypted and checked; my read marker moves to the
    /// newest (CHAT-8), and a conversation about a patient is written to the access log (SEC-2).
    pub async fn open_conversation(&self, conversation_id: ConversationId) -> ClientResult<ConversationView> {
        let view = self.conversation_view(conversation_id)?;
        self.mark_read(&view).await?;
        if let Some(patient) = self.conversation_entry(conversation_id)?.patient {
            self.record_access(patient.practice_id, patient.patient_id, AccessKind::Conversation).await?;
        }
        Ok(view)
    }

    /// Re-read a conversation that is open (new messages arrived): read at once, no new log entry.
    pub async fn refresh_conversation(&self, conversation_id: ConversationId) -> ClientResult<ConversationView> {
        let view = self.conversation_view(conversation_id)?;
        self.mark_read(&view).await?;
        Ok(view)
    }

    async fn mark_read(&self, view: &ConversationView) -> ClientResult<()> {
        let newest = view.messages.iter().filter_map(|m| m.sent_at).max();
        if let Some(up_to) = newest.filter(|_| view.summary.unread > 0) {
            self.submit(Mutation::MarkRead { conversation_id: view.summary.id, up_to }).await?;
        }
        Ok(())
    }

    /// A conversation with its messages, decrypted and checked (needs the open lock).
    pub fn conversation_view(&self, conversation_id: ConversationId) -> ClientResult<ConversationView> {
        let entry = self.conversation_entry(conversation_id)?;
        let me = self.inner.me.user_id;
        let participations = self.participations()?;
        let mine = participations.get(&conversation_id).ok_or(ClientError::NotSynced)?;
        let people = self.people_by_id()?;
        let keys = self.epoch_keys(&entry)?;
        let mut messages: Vec<MessageEntry> = self
            .inner
            .cache
            .children(EntityKind::Message, conversation_id.0)?
            .into_iter()
            .filter_map(|body| match body {
                ChangeBody::Message(message) => Some(message),
                _ => None,
            })
            .collect();
        messages.sort_by_key(|m| (m.sent_at, m.id));
        let mut views: Vec<MessageView> = messages.iter().map(|m| read_message(m, &keys, &people, me)).collect();
        views.extend(self.queued_messages(conversation_id, &keys, &people)?);
        Ok(ConversationView {
            summary: self.summary(&entry, mine, &people, &self.team_names()?, &self.outbox()?)?,
            can_write: mine.active,
            messages: views,
        })
    }

    /// What would refuse this message before anything is sent: too many or refused attachments,
    /// an empty or too long text, having left the conversation, no key to send under. The text as
    /// it will be sealed and each attachment's kind.
    pub(crate) fn check_outgoing(
        &self,
        conversation_id: ConversationId,
        text: &str,
        files: &[NewAttachment],
    ) -> ClientResult<(String, Vec<kring_domain::conversation::AttachmentKind>)> {
        if files.len() > MAX_ATTACHMENTS {
            return Err(ClientError::Attachment(AttachmentError::TooMany));
        }
        let kinds = files.iter().map(|f| check_attachment(&f.name, &f.bytes)).collect::<Result<Vec<_>, _>>()?;
        let text = if files.is_empty() || !text.trim().is_empty() { check_message(text)? } else { String::new() };
        let entry = self.conversation_entry(conversation_id)?;
        let me = self.inner.me.user_id;
        if !entry.participants.iter().any(|p| p.user_id == me && p.is_active()) {
            return Err(ClientError::ConversationLeft);
        }
        self.sending_epoch(&entry)?;
        Ok((text, kinds))
    }

    /// Add colleagues (or, about a patient, the patient or a carer) to a conversation; they get
    /// every key epoch and read the whole history (CHAT-9).
    pub async fn add_participants(
        &self,
        conversation_id: ConversationId,
        users: &[(UserId, ParticipantKind)],
    ) -> ClientResult<()> {
        let users: Vec<(UserId, ParticipantKind, Option<TeamId>)> = users.iter().map(|(u, k)| (*u, *k, None)).collect();
        self.admit(conversation_id, &users).await
    }

    async fn admit(
        &self,
        conversation_id: ConversationId,
        users: &[(UserId, ParticipantKind, Option<TeamId>)],
    ) -> ClientResult<()> {
        let entry = self.conversation_entry(conversation_id)?;
        if let Some(referral) = entry.referral {
            self.check_referral_newcomers(referral, users.iter().map(|(user, _, _)| *user))?;
        }
        let keys = self.epoch_keys(&entry)?;
        let people = self.people_by_id()?;
        let mut participants = Vec::new();
        for (user, kind, via_inbox) in users {
            let wrapped = entry
                .epochs
                .iter()
                .map(|epoch| keys.get(&epoch.number).ok_or(ClientError::KeysLost).and_then(|key| wrap_for(&people, *user, key)))
                .collect::<ClientResult<Vec<String>>>()?;
            participants.push(NewParticipant { user_id: *user, kind: *kind, via_inbox: *via_inbox, keys: wrapped });
        }
        self.submit_now(Mutation::AddParticipants { conversation_id, participants }).await?;
        Ok(())
    }

    /// Leave a conversation (CHAT-7); with `archive`, also hide it from the list.
    pub async fn leave_conversation(&self, conversation_id: ConversationId, archive: bool) -> ClientResult<()> {
        self.submit_now(Mutation::LeaveConversation { conversation_id, archive }).await?;
        Ok(())
    }

    /// Hide a conversation I left, or bring it back (CHAT-7).
    pub async fn set_archived(&self, conversation_id: ConversationId, archived: bool) -> ClientResult<()> {
        self.submit_now(Mutation::SetArchived { conversation_id, archived }).await?;
        Ok(())
    }

    /// A team's current members who take part in conversations: active, with keys, and a role
    /// in the team that holds conversation keys.
    fn team_members(&self, team: TeamId) -> ClientResult<Vec<UserId>> {
        let people = self.people_by_id()?;
        let mut members: Vec<UserId> = Vec::new();
        for contract in self.contracts()? {
            let usable = contract.team_id == Some(team)
                && contract.role.permits(kring_domain::Action::ReadConversations)
                && people.get(&contract.user_id).is_some_and(|p| p.active && p.encryption_key().is_some());
            if usable && !members.contains(&contract.user_id) {
                members.push(contract.user_id);
            }
        }
        Ok(members)
    }

    /// Apply a page of the feed, then fetch the history of conversations I was just added to (my
    /// feed cursor is past their older messages; while the cache is rebuilt, of all mine). The
    /// need is recorded with the page, so a fetch that fails is tried again after the next
    /// page or sync. Returns the conversations that got new messages from someone else, for the
    /// notification.
    pub(crate) async fn apply_page(&self, page: SyncPage, epoch: Option<uuid::Uuid>) -> ClientResult<Vec<ConversationId>> {
        let me = self.inner.me.user_id;
        let rebuilding = self.on_cache(Cache::rebuilding).await?;
        let history: Vec<ConversationId> = page
            .changes
            .iter()
            .filter_map(|change| match &change.body {
                ChangeBody::Participation(p) if p.user_id == me && p.active && (rebuilding || p.read_up_to.is_none()) => {
                    Some(p.conversation_id)
                }
                _ => None,
            })
            .collect();
        let mut arrived: Vec<ConversationId> = page
            .changes
            .iter()
            .filter_map(|change| match &change.body {
                ChangeBody::Message(message) if message.author != me => Some(message.conversation_id),
                _ => None,
            })
            .collect();
        arrived.dedup();
        self.on_cache(move |cache| cache.apply(&page, epoch, &history)).await?;
        self.fetch_pending_history().await?;
        Ok(arrived)
    }

    /// Fetch every history still owed (see [`KringClient::apply_page`]).
    pub(crate) async fn fetch_pending_history(&self) -> ClientResult<()> {
        for conversation_id in self.on_cache(Cache::pending_history).await? {
            let changes = match self.inner.api.conversation_history(conversation_id).await {
                Ok(bodies) => {
                    bodies.into_iter().map(|body| Change { seq: 0, scope: Scope::Conversation(conversation_id), body }).collect()
                }
                // No longer mine (removed or left meanwhile): nothing to fetch, and nothing to wait for.
                Err(ClientError::Refused { code: ErrorCode::Forbidden | ErrorCode::NotFound, .. }) => Vec::new(),
                Err(error) => return Err(error),
            };
            let page = SyncPage { changes, cursor: 0, has_more: false };
            self.on_cache(move |cache| cache.apply_history(conversation_id, &page)).await?;
        }
        Ok(())
    }

    fn summary(
        &self,
        entry: &ConversationEntry,
        mine: &ParticipationEntry,
        people: &HashMap<UserId, PersonEntry>,
        teams: &HashMap<TeamId, String>,
        outbox: &[crate::cache::OutboxEntry],
    ) -> ClientResult<ConversationSummary> {
        let me = self.inner.me.user_id;
        let today = OffsetDateTime::now_utc().date();
        let title = if self.is_unlocked() { self.open_title(entry).ok() } else { None };
        let patient = match entry.patient {
            Some(reference) => {
                let summary = if self.is_unlocked() { self.patient_summary(reference.patient_id)? } else { None };
                Some(PatientLabel {
                    id: reference.patient_id,
                    name: summary.as_ref().map(|s| s.name.clone()),
                    birth_date: summary.map(|s| s.birth_date),
                })
            }
            None => None,
        };
        let participants = entry
            .participants
            .iter()
            .map(|p| {
                let person = people.get(&p.user_id);
                ParticipantView {
                    user_id: p.user_id,
                    name: person.map(PersonEntry::full_name).unwrap_or_default(),
                    active: p.is_active(),
                    inhabitant: p.kind == ParticipantKind::Inhabitant,
                    via_inbox: p.via_inbox.and_then(|team| teams.get(&team).cloned()),
                    away: person.and_then(|person| away_on(&person.working_days, &person.absences, today)),
                }
            })
            .collect();
        let (mut unread, mut last_message_at) = (0, None);
        for body in self.inner.cache.children(EntityKind::Message, entry.id.0)? {
            let ChangeBody::Message(m) = body else { continue };
            if m.author != me && mine.read_up_to.is_none_or(|read| m.sent_at > read) {
                unread += 1;
            }
            last_message_at = last_message_at.max(Some(m.sent_at));
        }
        let sending = outbox.iter().filter(|e| e.rejected.is_none() && posts_to(&e.request.mutation, entry.id)).count();
        Ok(ConversationSummary {
            id: entry.id,
            title,
            patient,
            participants,
            last_message_at,
            unread: if mine.active { unread } else { 0 },
            active: mine.active,
            archived: mine.archived,
            sending,
            returned_to_his: self.his_returns(entry.id)?.into_iter().max_by_key(|back| back.at).map(|back| HisReturnMark {
                at: back.at,
                by: people.get(&back.by).map(PersonEntry::full_name),
                messages: back.messages,
            }),
        })
    }

    /// The times the conversation went to the HIS, as the feed brought them (CHAT-6).
    fn his_returns(&self, id: ConversationId) -> ClientResult<Vec<HisReturnEntry>> {
        let bodies = self.inner.cache.children(EntityKind::HisReturn, id.0)?;
        Ok(bodies
            .into_iter()
            .filter_map(|body| match body {
                ChangeBody::HisReturn(entry) => Some(entry),
                _ => None,
            })
            .collect())
    }

    fn open_title(&self, entry: &ConversationEntry) -> ClientResult<String> {
        // The title is sealed under epoch 0's key, which a rotation never replaces: unwrap that
        // one only (a list opens many titles).
        let me = self.inner.me.user_id;
        let wrapped = entry
            .epochs
            .iter()
            .find(|epoch| epoch.number == 0)
            .and_then(|epoch| epoch.keys.iter().find(|k| k.user_id == me))
            .ok_or(ClientError::KeysLost)?;
        let key = &self.unwrap_key(&decode(&wrapped.wrapped_key)?)?;
        let sealed = STANDARD_NO_PAD.decode(&entry.title).map_err(|_| ClientError::Protocol("title".into()))?;
        let plain = kring_crypto::open_with_key(key, &title_context(entry.id), &sealed)?;
        String::from_utf8(plain.to_vec()).map_err(|_| ClientError::Protocol("title".into()))
    }

    /// The epoch keys I hold, plus those of rotations still in my outbox.
    fn epoch_keys(&self, entry: &ConversationEntry) -> ClientResult<EpochKeys> {
        let me = self.inner.me.user_id;
        let mut keys = EpochKeys::new();
        for epoch in &entry.epochs {
            if let Some(wrapped) = epoch.keys.iter().find(|k| k.user_id == me) {
                keys.insert(epoch.number, self.unwrap_key(&decode(&wrapped.wrapped_key)?)?);
            }
        }
        for (number, wrapped) in self.queued_rotations(entry)? {
            keys.insert(number, self.unwrap_key(&decode(&wrapped)?)?);
        }
        Ok(keys)
    }

    /// Rotations in my outbox for this conversation: (epoch number, my wrapped key).
    fn queued_rotations(&self, entry: &ConversationEntry) -> ClientResult<Vec<(u32, String)>> {
        let me = self.inner.me.user_id;
        let newest = entry.epochs.last().map(|e| e.number).unwrap_or_default();
        Ok(self
            .outbox()?
            .into_iter()
            .filter(|e| e.rejected.is_none())
            .filter_map(|e| match e.request.mutation {
                Mutation::PostMessage { conversation_id, message, new_epoch: Some(keys) }
                    if conversation_id == entry.id && message.epoch > newest =>
                {
                    keys.into_iter().find(|k| k.user_id == me).map(|k| (message.epoch, k.wrapped_key))
                }
                _ => None,
            })
            .collect())
    }

    /// The epoch a new message goes under: the newest (counting my queued rotations), or a new
    /// one when its holders are not exactly the active participants.
    fn sending_epoch(&self, entry: &ConversationEntry) -> ClientResult<SendingEpoch> {
        let active: Vec<UserId> = entry.participants.iter().filter(|p| p.is_active()).map(|p| p.user_id).collect();
        let keys = self.epoch_keys(entry)?;
        let queued = self.queued_rotations(entry)?;
        let (number, holders) = match queued.last() {
            // A queued rotation was made for the active participants as the cache knew them.
            Some((number, _)) => (*number, active.clone()),
            None => {
                let newest = entry.epochs.last().ok_or(ClientError::NotSynced)?;
                (newest.number, newest.holders().collect::<Vec<_>>())
            }
        };
        if !kring_domain::conversation::needs_new_epoch(&holders, &active) {
            let key = keys.get(&number).ok_or(ClientError::KeysLost)?;
            return Ok((number, Zeroizing::new(**key), None));
        }
        let key = new_epoch_key();
        let people = self.people_by_id()?;
        let wrapped = active
            .iter()
            .map(|user| Ok(WrappedKey { user_id: *user, wrapped_key: wrap_for(&people, *user, &key)? }))
            .collect::<ClientResult<Vec<_>>>()?;
        tracing::info!(conversation_id = %entry.id, epoch = number + 1, "new key epoch after a participant left");
        Ok((number + 1, key, Some(wrapped)))
    }

    /// Download and open an attachment of a message in the cache (needs the open lock and a
    /// connection).
    pub async fn attachment(
        &self,
        conversation_id: ConversationId,
        message_id: Uuid,
        attachment_id: Uuid,
    ) -> ClientResult<AttachmentFile> {
        let entry = self.conversation_entry(conversation_id)?;
        let message = match self.inner.cache.entity(EntityKind::Message, message_id)? {
            Some(ChangeBody::Message(message)) if message.conversation_id == conversation_id => message,
            _ => return Err(ClientError::NotSynced),
        };
        let keys = self.epoch_keys(&entry)?;
        let key = keys.get(&message.epoch).ok_or(ClientError::KeysLost)?;
        let body = open_body(&message, key).ok_or(ClientError::BadSignature)?;
        let info = body.attachments.into_iter().find(|a| a.id == attachment_id).ok_or(ClientError::NotSynced)?;
        let meta = message.attachments.iter().find(|a| a.id == attachment_id).ok_or(ClientError::NotSynced)?;
        let mut bytes = Vec::with_capacity(usize::try_from(info.size).unwrap_or(0));
        for index in 0..meta.chunks {
            let sealed = self.inner.api.attachment_chunk(conversation_id, attachment_id, index).await?;
            let chunk = kring_crypto::open_with_key(key, &attachment_context(conversation_id, attachment_id, index), &sealed)?;
            bytes.extend_from_slice(&chunk);
        }
        if bytes.len() as u64 != info.size {
            return Err(ClientError::Protocol("attachment size".into()));
        }
        Ok(AttachmentFile { name: info.name, kind: info.kind, bytes })
    }

    fn seal_message(
        &self,
        conversation: ConversationId,
        epoch: u32,
        key: &[u8; 32],
        body: &MessageBody,
        attachments: Vec<AttachmentMeta>,
    ) -> ClientResult<NewMessage> {
        let id = Uuid::now_v7();
        let json = Zeroizing::new(serde_json::to_vec(body).map_err(|e| ClientError::Internal(e.to_string()))?);
        let sealed = kring_crypto::seal_with_key(key, &MessageEntry::context(conversation, id, epoch), &json)?;
        let body = STANDARD_NO_PAD.encode(sealed);
        let signature = self.sign(&MessageEntry::signed_bytes(conversation, id, epoch, &body))?;
        Ok(NewMessage { id, epoch, body, signature: STANDARD_NO_PAD.encode(signature), attachments })
    }

    /// My messages to this conversation still in the outbox, after the sent ones.
    fn queued_messages(
        &self,
        conversation: ConversationId,
        keys: &EpochKeys,
        people: &HashMap<UserId, PersonEntry>,
    ) -> ClientResult<Vec<MessageView>> {
        let me = self.inner.me.user_id;
        Ok(self
            .outbox()?
            .into_iter()
            .filter_map(|e| match e.request.mutation {
                Mutation::PostMessage { conversation_id, message, .. } if conversation_id == conversation => {
                    let entry = MessageEntry {
                        id: message.id,
                        conversation_id,
                        author: me,
                        epoch: message.epoch,
                        body: message.body,
                        signature: message.signature,
                        sent_at: OffsetDateTime::UNIX_EPOCH,
                        attachments: message.attachments,
                    };
                    let mut view = read_message(&entry, keys, people, me);
                    view.sent_at = None;
                    view.state = if e.rejected.is_some() { MessageState::Refused } else { MessageState::Sending };
                    Some(view)
                }
                _ => None,
            })
            .collect())
    }

    /// The practice of the patient a conversation is about.
    pub(crate) fn conversation_practice(&self, id: ConversationId) -> Option<kring_domain::OrganisationId> {
        self.conversation_entry(id).ok()?.patient.map(|p| p.practice_id)
    }

    fn conversation_entry(&self, id: ConversationId) -> ClientResult<ConversationEntry> {
        match self.inner.cache.entity(EntityKind::Conversation, id.0)? {
            Some(ChangeBody::Conversation(entry)) => Ok(entry),
            _ => Err(ClientError::NotSynced),
        }
    }

    fn conversation_entries(&self) -> ClientResult<Vec<ConversationEntry>> {
        crate::directory::cached(&self.inner.cache, EntityKind::Conversation, |body| match body {
            ChangeBody::Conversation(entry) => Some(entry),
            _ => None,
        })
    }

    /// My own state of each conversation I take or took part in.
    fn participations(&self) -> ClientResult<HashMap<ConversationId, ParticipationEntry>> {
        let me = self.inner.me.user_id;
        Ok(crate::directory::cached(&self.inner.cache, EntityKind::Participation, |body| match body {
            ChangeBody::Participation(p) => Some(p),
            _ => None,
        })?
        .into_iter()
        .filter(|p| p.user_id == me)
        .map(|p| (p.conversation_id, p))
        .collect())
    }

    /// Team names by id, for "via <team>" (built once per read model, not per conversation).
    fn team_names(&self) -> ClientResult<HashMap<TeamId, String>> {
        Ok(self
            .directory()?
            .organisations
            .into_iter()
            .flat_map(|o| o.teams.into_iter().map(|team| (team.id, team.name)))
            .collect())
    }

    pub(crate) fn people_by_id(&self) -> ClientResult<HashMap<UserId, PersonEntry>> {
        Ok(self.people()?.into_iter().map(|person| (person.id, person)).collect())
    }
}

/// Open and check one message: the text only when the author's signature holds.
fn read_message(message: &MessageEntry, keys: &EpochKeys, people: &HashMap<UserId, PersonEntry>, me: UserId) -> MessageView {
    let author = people.get(&message.author);
    let signed = MessageEntry::signed_bytes(message.conversation_id, message.id, message.epoch, &message.body);
    let verified = author.and_then(PersonEntry::signing_key).is_some_and(|key| {
        STANDARD_NO_PAD.decode(&message.signature).is_ok_and(|signature| key.verify(&signed, &signature).is_ok())
    });
    let body = keys.get(&message.epoch).filter(|_| verified).and_then(|key| open_body(message, key));
    let attachments = body
        .as_ref()
        .map(|body| {
            body.attachments
                .iter()
                .map(|a| AttachmentView {
                    id: a.id,
                    name: a.name.clone(),
                    mime: a.kind.mime(),
                    image: a.kind.is_image(),
                    size: a.size,
                })
                .collect()
        })
        .unwrap_or_default();
    let text = body.map(|body| body.text);
    if !verified {
        tracing::warn!(message_id = %message.id, "a message's signature does not match its author");
    }
    MessageView {
        id: message.id,
        author_id: message.author,
        author_name: author.map(PersonEntry::full_name).unwrap_or_default(),
        state: if verified { MessageState::Sent } else { MessageState::Unverified },
        text,
        sent_at: Some(message.sent_at),
        mine: message.author == me,
        attachments,
    }
}

/// A message's sealed body, opened with its epoch key.
fn open_body(message: &MessageEntry, key: &[u8; 32]) -> Option<MessageBody> {
    let sealed = STANDARD_NO_PAD.decode(&message.body).ok()?;
    let plain =
        kring_crypto::open_with_key(key, &MessageEntry::context(message.conversation_id, message.id, message.epoch), &sealed)
            .ok()?;
    serde_json::from_slice(&plain).ok()
}

fn posts_to(mutation: &Mutation, conversation: ConversationId) -> bool {
    matches!(mutation, Mutation::PostMessage { conversation_id, .. } if *conversation_id == conversation)
}

fn new_epoch_key() -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(key.as_mut());
    key
}

/// An epoch key sealed to a participant's published encryption key.
fn wrap_for(people: &HashMap<UserId, PersonEntry>, user: UserId, key: &[u8; 32]) -> ClientResult<String> {
    let public = people
        .get(&user)
        .filter(|person| person.active)
        .and_then(PersonEntry::encryption_key)
        .ok_or(ConversationError::RecipientWithoutKeys)?;
    Ok(STANDARD_NO_PAD.encode(public.seal(key)?))
}

fn decode(text: &str) -> ClientResult<Vec<u8>> {
    STANDARD_NO_PAD.decode(text).map_err(|_| ClientError::Protocol("base64".into()))
}
