// Every reason a look can be refused or can end, in Swedish and English: the device's deny codes
// and session end codes, the relay's and the centre's codes, and what the page itself sees. Staff
// are told the real reason in words, never "connection failed". Shared by the device's viewer
// page and the centre's round.

const T = {
  // The device refuses (its gate and WHEP service).
  no_token: ['Ingen token angiven.', 'No token given.'],
  bad_token: ['Token är ogiltig.', 'The token is not valid.'],
  token_expired: ['Token har gått ut.', 'The token has expired.'],
  token_not_yet_valid: ['Token gäller inte än.', 'The token is not valid yet.'],
  token_lifetime_exceeded: ['Token gäller för länge.', 'The token lives too long.'],
  wrong_issuer: ['Token kommer från fel utfärdare.', 'The token is from the wrong issuer.'],
  wrong_device: ['Token gäller en annan enhet.', 'The token is for another device.'],
  wrong_scope: ['Token ger inte rätt att titta.', 'The token does not allow viewing.'],
  reason_required: ['En extra tillsyn kräver ett skäl.', 'A look outside a window needs a reason.'],
  revoked: ['Token är återkallad.', 'The token has been revoked.'],
  outside_window: ['Inte nu: utanför tillsynsfönstret.', 'Not now: outside the supervision window.'],
  paused: ['Boende har pausat tillsynen.', 'The resident has paused supervision.'],
  paused_until: ['Pausad till {date}.', 'Paused until {date}.'],
  clock_unsynced: ['Enhetens klocka är inte synkad.', "The device's clock is not synchronised."],
  no_policy: ['Enheten har ingen giltig tillsynsplan.', 'The device has no valid supervision plan.'],
  too_many_viewers: ['För många tittar redan.', 'Too many people are already watching.'],
  token_in_use: ['Den här tittens token används redan.', "This look's token is already in use."],
  emergency_not_allowed: [
    'Planen tillåter tillsyn bara i fönstren.',
    'The plan allows looks only inside its windows.',
  ],
  audit_unavailable: [
    'Loggen kan inte skrivas: tillsyn stoppad.',
    'The audit log cannot be written: viewing is stopped.',
  ],
  unknown_session: ['Sessionen finns inte.', 'No such session.'],
  no_frames: ['Kameran startar, försök igen strax.', 'The camera is starting, try again shortly.'],
  camera_fault: ['Kamerafel.', 'Camera fault.'],
  session_ended: ['Sessionen är slut.', 'The session has ended.'],
  sdp_malformed: ['Webbläsarens erbjudande är felaktigt.', "The browser's offer is malformed."],
  sdp_no_video: ['Webbläsaren bad inte om video.', 'The browser asked for no video.'],
  sdp_multiple_video: ['Webbläsaren bad om flera bilder.', 'The browser asked for several pictures.'],
  sdp_no_h264: ['Webbläsaren kan inte H.264-video.', 'The browser cannot play H.264 video.'],
  sdp_h264_profile_unsupported: [
    'Webbläsaren kan inte kamerans H.264-profil.',
    "The browser cannot play the camera's H.264 profile.",
  ],
  sdp_viewer_sends_media: ['Webbläsaren ville skicka media.', 'The browser wanted to send media.'],
  precondition_failed: ['Sessionen har ändrats.', 'The session has changed.'],
  not_found: ['Finns inte (längre).', 'Not found (any more).'],
  rate_limited: ['För många försök, vänta en stund.', 'Too many attempts, wait a moment.'],
  // The relay and the centre.
  device_offline: ['Enheten är inte ansluten.', 'The device is not connected.'],
  device_timeout: ['Enheten svarade inte i tid.', 'The device did not answer in time.'],
  device_bad_reply: ['Enheten svarade felaktigt.', 'The device sent a malformed answer.'],
  broker_unavailable: ['Centralen når inte enheterna just nu.', 'The centre cannot reach devices now.'],
  centre_stopping: ['Centralen startar om.', 'The centre is restarting.'],
  not_on_roster: ['Enheten finns inte på din lista.', 'This device is not on your roster.'],
  not_signed_in: ['Logga in först.', 'Sign in first.'],
  session_expired: ['Inloggningen har gått ut.', 'Your sign-in has expired.'],
  signed_out: ['Du har loggat ut.', 'You have signed out.'],
  look_handle_invalid: ['Tittan tillhör inte dig.', 'This look does not belong to you.'],
  look_handle_stale: ['Nyckeln har bytts: börja om.', 'The key has changed: start again.'],
  no_schedule: ['Enheten har inte skickat sin plan.', 'The device has not sent its plan.'],
  not_yet: ['Inte än.', 'Not yet.'],
  relay_expired: ['Begäran kom fram för sent.', 'The request arrived too late.'],
  relay_unsigned: ['Begäran var inte signerad.', 'The request was not signed.'],
  internal: ['Ett fel uppstod.', 'Something went wrong.'],
  // The page itself.
  no_webrtc: [
    'Den här webbläsaren kan inte visa bilden (WebRTC saknas). Använd Chrome, Edge, Firefox eller Safari.',
    'This browser cannot show the picture (no WebRTC). Use Chrome, Edge, Firefox or Safari.',
  ],
  connecting: ['Ansluter…', 'Connecting…'],
  fallback: ['Ansluter med reservbild (MPEG-1)…', 'Connecting with the fallback picture (MPEG-1)…'],
  fallback_unavailable: [
    'Enheten kan inte skicka reservbilden via centralen.',
    'The device cannot send the fallback picture through the centre.',
  ],
  ticket_invalid: ['Bildbiljetten gäller inte (längre).', 'The picture ticket is not valid (any more).'],
  stalled: ['Bilden har stannat. Väntar…', 'The picture has stopped. Waiting…'],
  connection_lost: ['Anslutningen bröts.', 'The connection was lost.'],
  no_picture: ['Ingen bild kom fram.', 'No picture arrived.'],
  time_up: ['Tiden är slut.', 'Time is up.'],
  closed: ['Stängd.', 'Closed.'],
};

// Why a session ended (the device's session end codes), with the time or date it happened.
const ENDS = {
  closed_by_viewer: ['Du stängde bilden.', 'You closed the picture.'],
  window_end: ['Tillsynsfönstret stängde {time}.', 'The window closed at {time}.'],
  token_expired: ['Tittens tid tog slut {time}.', "The look's time ran out at {time}."],
  max_session: ['Längsta tillåtna titt tog slut {time}.', 'The longest look allowed ended at {time}.'],
  ice_failed: ['Anslutningen till enheten bröts.', 'The connection to the device was lost.'],
  policy_changed: ['Tillsynsplanen ändrades.', 'The supervision plan changed.'],
  paused: ['Boende pausade tillsynen.', 'The resident paused supervision.'],
  revoked: ['Behörigheten återkallades.', 'Access was revoked.'],
  camera_fault: ['Kamerafel: bilden stoppades.', 'Camera fault: the picture stopped.'],
  shutdown: ['Enheten stängdes av eller startar om.', 'The device stopped or is restarting.'],
};

const LOCALES = { sv: 'sv-SE', en: 'en-GB' };

/** 24-hour clock, as night rotas are written, in the resident's zone when known. */
export function fmtTime(ms, lang, timeZone) {
  const o = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (timeZone) o.timeZone = timeZone;
  return new Intl.DateTimeFormat(LOCALES[lang] ?? LOCALES.sv, o).format(new Date(ms));
}

export function fmtDate(ms, lang, timeZone) {
  const o = { day: 'numeric', month: 'short' };
  if (timeZone) o.timeZone = timeZone;
  return new Intl.DateTimeFormat(LOCALES[lang] ?? LOCALES.sv, o).format(new Date(ms));
}

function pick(pair, lang, vars) {
  const fill = (s) => s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
  if (lang === 'both') return `${fill(pair[0])} · ${fill(pair[1])}`;
  return fill(lang === 'en' ? pair[1] : pair[0]);
}

/** A refusal or page state in words; `lang` is 'sv', 'en' or 'both'. */
export function say(code, lang, fallback) {
  const pair = T[code];
  if (pair) return pick(pair, lang, {});
  return fallback || pick([`Fel (${code})`, `Error (${code})`], lang, {});
}

/**
 * Why a look ended, from the device's session status ({endCode, until, pausedUntil}); `timeZone`
 * is the resident's, so "the window closed at 02:45" reads as on the rota.
 */
export function sayEnd(status, lang, timeZone) {
  const code = status?.endCode;
  const lang1 = lang === 'both' ? 'sv' : lang;
  const at = status?.until ? Date.parse(status.until) : Number.NaN;
  const vars = {
    time: Number.isFinite(at) ? fmtTime(at, lang1, timeZone) : '',
    date: status?.pausedUntil ? fmtDate(Date.parse(status.pausedUntil), lang1, timeZone) : '',
  };
  if (code === 'paused' && status?.pausedUntil) return pick(T.paused_until, lang, vars);
  const pair = ENDS[code] ?? T[code];
  if (!pair) return say('session_ended', lang);
  return pick(pair, lang, vars);
}

// Who paused supervision, since and until when (the device's window state `pause`).
const PAUSED_BY = {
  resident: ['Pausad av boende', 'Paused by the resident'],
  centre: ['Pausad av larmcentralen på boendes begäran', "Paused by the centre at the resident's request"],
  policy: ['Pausad enligt planen', 'Paused as planned'],
};
const PAUSE_SINCE = [' sedan {since}', ' since {since}'];
const PAUSE_UNTIL = [' till {until}', ' until {until}'];
const PAUSE_OPEN = [' tills boende återupptar', ' until the resident resumes'];

/** A time of day, with its date when it is not within the next 24 hours (or was before today). */
function fmtWhen(ms, lang, timeZone, now) {
  const time = fmtTime(ms, lang, timeZone);
  return Math.abs(ms - now) < 20 * 3600_000 ? time : `${fmtDate(ms, lang, timeZone)} ${time}`;
}

/** A pause in words: by whom, since and until when ({by, since, until}, epoch ms or null). */
export function sayPause(pause, lang, timeZone, now = Date.now()) {
  const by = PAUSED_BY[pause?.by] ?? PAUSED_BY.resident;
  const one = (l) => {
    const i = l === 'en' ? 1 : 0;
    const fill = (s, k, ms) => s.replace(`{${k}}`, fmtWhen(ms, l, timeZone, now));
    const since = pause?.since ? fill(PAUSE_SINCE[i], 'since', pause.since) : '';
    const until = pause?.until
      ? fill(PAUSE_UNTIL[i], 'until', pause.until)
      : pause?.by === 'policy'
        ? ''
        : PAUSE_OPEN[i];
    return `${by[i]}${since}${until}.`;
  };
  return lang === 'both' ? `${one('sv')} · ${one('en')}` : one(lang);
}
