import { describe, expect, it } from 'vitest';
import { errorMessage, t } from './index';
import { en } from './en';
import { nl } from './nl';

// Every code kring-client's ClientError::code() can produce (crates/kring-client/src/error.rs).
const CLIENT_ERROR_CODES = [
  'invalid_server_url',
  'server_unreachable',
  'missing_credentials',
  'invalid_credentials',
  'session_expired',
  'rate_limited',
  'forbidden',
  'invalid_request',
  'refused',
  'protocol',
  'cache',
  'internal',
  'code_wrong',
  'code_expired',
  'code_used',
  'code_attempts',
  'code_delivery_failed',
  'password_change_required',
  'password_too_short',
  'password_common',
  'password_like_username',
  'passwords_differ',
  'wrong_password',
  'too_many_unlock_attempts',
  'locked',
  'no_keys',
  'keys_lost',
  'keyring',
  'invalid_form',
  'no_patient_data_access',
  'activation_link_invalid',
  'profile_name_required',
  'profile_name_invalid',
  'current_password_wrong',
  'password_unchanged',
  'profile_too_many_functions',
  'profile_unknown_function',
  'profile_absence_backwards',
  'profile_notification_email',
  'profile_notification_without_email',
  'not_synced',
  'conversation_empty_title',
  'conversation_title_too_long',
  'conversation_empty_message',
  'conversation_message_too_long',
  'conversation_no_recipients',
  'conversation_too_many_participants',
  'conversation_recipient_without_keys',
  'conversation_left',
  'bad_signature',
  'invalid_zorgmail_address',
  'his_return_needs_patient',
  'his_return_comment_too_long',
  'his_return_failed',
  'notification',
  'attachment_empty',
  'attachment_too_large',
  'attachment_kind_not_allowed',
  'attachment_kind_mismatch',
  'attachment_too_many',
];

describe('error messages', () => {
  it('has a Dutch sentence for every client error code', () => {
    for (const code of CLIENT_ERROR_CODES) {
      expect(nl.errors[code], code).toBeTruthy();
      expect(errorMessage(code)).toBe(nl.errors[code]);
    }
  });

  it('tells a wrong password, an unreachable server and a bad server address apart', () => {
    expect(errorMessage('invalid_credentials')).toMatch(/gebruikersnaam of het wachtwoord klopt niet/);
    expect(errorMessage('server_unreachable')).toMatch(/niet bereikbaar/);
    expect(errorMessage('invalid_server_url')).toMatch(/serveradres is ongeldig/);
  });

  it('says when to try again after too many failed logins (ACC-7)', () => {
    expect(errorMessage('rate_limited', 60)).toMatch(/Te veel mislukte inlogpogingen.*over 1 minuut opnieuw/);
    expect(errorMessage('rate_limited', 61)).toMatch(/over 2 minuten opnieuw/);
    expect(errorMessage('rate_limited', 3600)).toMatch(/over 60 minuten opnieuw/);
  });

  it('tells the user what to do about each one-time code problem (ACC-1)', () => {
    expect(errorMessage('code_wrong')).toMatch(/klopt niet/);
    expect(errorMessage('code_expired')).toMatch(/verlopen.*nieuwe code/);
    expect(errorMessage('code_used')).toMatch(/al gebruikt/);
    expect(errorMessage('code_attempts')).toMatch(/Te vaak/);
  });

  it('explains each password rule in plain Dutch (ACC-2)', () => {
    expect(errorMessage('password_too_short')).toMatch(/minstens 12 tekens/);
    expect(errorMessage('password_common')).toMatch(/te vaak gebruikt/);
    expect(errorMessage('password_like_username')).toMatch(/gebruikersnaam/);
  });

  it('explains every account-request field error in Dutch (STAFF-2, STAFF-8)', () => {
    for (const code of ['required', 'too_long', 'control_characters', 'agb_format', 'email_format', 'email_private', 'phone_format', 'phone_not_mobile']) {
      expect(nl.requestForm.fieldErrors[code], code).toBeTruthy();
      expect(en.requestForm.fieldErrors[code], code).toBeTruthy();
    }
    expect(nl.requestForm.fieldErrors.email_private).toMatch(/zakelijk e-mailadres/);
    expect(nl.requestForm.fieldErrors.phone_not_mobile).toMatch(/mobiel nummer/);
  });

  it('falls back to the general message for an unknown code instead of showing the code', () => {
    expect(errorMessage('something_new')).toBe(t.errors.internal);
  });

  it('keeps English complete for every Dutch error', () => {
    expect(Object.keys(en.errors).sort()).toEqual(Object.keys(nl.errors).sort());
  });
});
