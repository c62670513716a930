import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorMessage, language, setLanguage, t } from './index';
import { en } from './en';
import { nl } from './nl';
import { CLIENT_ERROR_CODES } from '../generated';

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

describe('the language (issue 13)', () => {
  afterEach(() => {
    setLanguage('nl');
    localStorage.clear();
  });

  it('speaks Dutch until English is chosen, then English everywhere, errors included', () => {
    expect(language()).toBe('nl');
    expect(t.login.title).toBe('Inloggen');
    setLanguage('en');
    expect(t.login.title).toBe('Log in');
    expect(errorMessage('rate_limited', 120)).toBe(`${en.errors.rate_limited} Try again in 2 minutes.`);
    expect(document.documentElement.lang).toBe('en');
  });

  it('starts in the language this workstation chose before', async () => {
    localStorage.setItem('kring.language', 'en');
    vi.resetModules();
    const fresh = await import('./index');
    expect(fresh.language()).toBe('en');
    expect(fresh.t.topbar.logout).toBe('Log out');
  });
});
