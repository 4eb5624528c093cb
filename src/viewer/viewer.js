// The staff viewer: one page, standards only (RTCPeerConnection, fetch, Intl), no framework.
// The token comes from the URL fragment (never sent to the server in a URL) or the paste box and
// is only ever sent in an Authorization header. Nothing is stored: no localStorage, no cookies.

const REASONS = {
  no_token: ['Ingen token angiven.', 'No token given.'],
  bad_token: ['Token är ogiltig.', 'The token is not valid.'],
  token_expired: ['Token har gått ut.', 'The token has expired.'],
  token_not_yet_valid: ['Token gäller inte än.', 'The token is not valid yet.'],
  token_lifetime_exceeded: ['Token gäller för länge.', 'The token lives too long.'],
  wrong_issuer: ['Token kommer från fel utfärdare.', 'The token is from the wrong issuer.'],
  wrong_device: ['Token gäller en annan enhet.', 'The token is for another device.'],
  wrong_scope: ['Token ger inte rätt att titta.', 'The token does not allow viewing.'],
  reason_required: ['Ett nödtillsyn kräver ett skäl.', 'An emergency look needs a reason.'],
  revoked: ['Token är återkallad.', 'The token has been revoked.'],
  outside_window: ['Inte nu: utanför tillsynsfönstret.', 'Not now: outside the supervision window.'],
  paused: ['Boende har pausat tillsynen.', 'The resident has paused supervision.'],
  clock_unsynced: ['Enhetens klocka är inte synkad.', "The device's clock is not synchronised."],
  no_policy: ['Enheten har ingen giltig tillsynsplan.', 'The device has no valid supervision plan.'],
  too_many_viewers: ['För många tittar redan.', 'Too many people are already watching.'],
  token_in_use: ['Token används redan i en annan session.', 'The token is already in use.'],
  emergency_not_allowed: ['Nödtillsyn är inte tillåten här.', 'Emergency looks are not allowed here.'],
  audit_unavailable: [
    'Loggen kan inte skrivas: tillsyn stoppad.',
    'The audit log cannot be written: viewing is stopped.',
  ],
  no_frames: ['Kameran startar, försök igen strax.', 'The camera is starting, try again shortly.'],
  rate_limited: ['För många försök, vänta en stund.', 'Too many attempts, wait a moment.'],
  camera_fault: ['Kamerafel.', 'Camera fault.'],
};
const say = (code, fallback) => {
  const r = REASONS[code];
  return r ? `${r[0]} · ${r[1]}` : fallback || `Fel · Error (${code})`;
};

const $ = (id) => document.getElementById(id);
const ui = {
  device: $('device'),
  window: $('window'),
  login: $('login'),
  tokenBox: $('token'),
  useToken: $('use-token'),
  video: $('video'),
  remaining: $('remaining'),
  message: $('message'),
  watch: $('watch'),
  close: $('close'),
  reference: $('reference'),
};
let token = '';
let state = null;
let session = null;

function readFragmentToken() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash) return '';
  const params = new URLSearchParams(hash);
  const t = params.get('token') || (hash.includes('=') ? '' : hash);
  history.replaceState(null, '', location.pathname);
  return t.trim();
}

function message(text, error) {
  ui.message.textContent = text;
  ui.message.className = error ? 'message error' : 'message';
}

function fmtTime(ms) {
  // 24-hour clock, as night rotas are written ("open until 02:50"), in the resident's zone when known.
  const opts = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (state?.timeZone) opts.timeZone = state.timeZone;
  return new Intl.DateTimeFormat(undefined, opts).format(new Date(ms));
}

async function loadState() {
  const res = await fetch('api/state', { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    state = null;
    ui.watch.disabled = true;
    message(say(body.code, body.message), true);
    if (res.status === 401) ui.login.hidden = false;
    return;
  }
  state = body;
  ui.login.hidden = true;
  ui.device.textContent = body.deviceLabel;
  const preview = body.installPreviewUntil;
  if (body.paused) ui.window.textContent = 'Pausad av boende · Paused by the resident';
  else if (preview)
    ui.window.textContent = `Installation till ${fmtTime(preview)} · installer preview until ${fmtTime(preview)}`;
  else if (body.open)
    ui.window.textContent = `Öppet till ${fmtTime(body.open.end)} · open until ${fmtTime(body.open.end)}`;
  else if (body.next)
    ui.window.textContent = `Nästa ${fmtTime(body.next.start)} · next at ${fmtTime(body.next.start)}`;
  else ui.window.textContent = 'Inga fönster planerade · no windows scheduled';
  ui.watch.disabled = !(body.open || preview) || body.paused || session !== null;
}

async function watch() {
  ui.watch.disabled = true;
  message('Ansluter… · Connecting…');
  const pc = new RTCPeerConnection({ iceServers: state?.iceServers ?? [] });
  const s = { pc, url: null, etag: null, until: 0, timer: null, pending: [], ended: false };
  session = s;
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.ontrack = (e) => {
    ui.video.srcObject = e.streams[0] || new MediaStream([e.track]);
    ui.video.play().catch(() => {});
  };
  pc.onicecandidate = (e) => {
    if (e.candidate?.candidate) s.pending.push(e.candidate);
    flushCandidates(s);
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected') message('');
    if (pc.connectionState === 'failed') stop('Anslutningen bröts · The connection failed', true);
    if (pc.connectionState === 'closed') stop('Sessionen är slut · The session has ended', false);
  };
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch('whep', {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
    body: pc.localDescription.sdp,
  });
  if (res.status !== 201) {
    const body = await res.json().catch(() => ({}));
    pc.close();
    session = null;
    message(say(body.code, body.message), true);
    loadState();
    return;
  }
  s.url = new URL(res.headers.get('Location'), location.href).href;
  s.etag = res.headers.get('ETag');
  // The device's clock decides; count down from what it says is left, on this device's clock.
  const remaining = Number(res.headers.get('Nattsyn-Session-Remaining-Ms'));
  s.until = Number.isFinite(remaining) && remaining > 0 ? Date.now() + remaining : 0;
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  flushCandidates(s);
  ui.close.hidden = false;
  ui.reference.hidden = !state?.installPreviewUntil;
  tick(s);
}

async function flushCandidates(s) {
  if (!s.url || s.pending.length === 0 || s.ended) return;
  const batch = s.pending.splice(0);
  const frag = batch.map((c) => `a=${c.candidate}`).join('\r\n');
  const mid = batch[0].sdpMid != null ? `a=mid:${batch[0].sdpMid}\r\n` : '';
  await fetch(s.url, {
    method: 'PATCH',
    headers: {
      'Content-Type': 'application/trickle-ice-sdpfrag',
      'If-Match': s.etag,
      Authorization: `Bearer ${token}`,
    },
    body: `${mid}${frag}\r\n`,
  }).catch(() => {});
}

// The installer confirms the aim: the device keeps a hash of the view, never the picture.
async function confirmReference() {
  if (!session?.url) return;
  ui.reference.disabled = true;
  const res = await fetch(`${session.url}/reference`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = await res.json().catch(() => ({}));
  ui.reference.disabled = false;
  if (res.ok) return stop('Vyn sparad (bara ett fingeravtryck) · View saved (a fingerprint only)', false);
  message(say(body.code, body.message), true);
}

function tick(s) {
  if (s.ended) return;
  const left = s.until ? s.until - Date.now() : Number.POSITIVE_INFINITY;
  if (left <= 0) return stop('Tiden är slut · Time is up', false);
  if (Number.isFinite(left)) {
    const sec = Math.ceil(left / 1000);
    ui.remaining.textContent = `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
    ui.remaining.hidden = false;
  }
  s.timer = setTimeout(() => tick(s), 250);
}

async function stop(text, error) {
  const s = session;
  if (!s || s.ended) return;
  s.ended = true;
  session = null;
  clearTimeout(s.timer);
  s.pc.close();
  ui.video.srcObject = null;
  ui.remaining.hidden = true;
  ui.close.hidden = true;
  ui.reference.hidden = true;
  message(text || 'Stängd · Closed', error);
  if (s.url) {
    await fetch(s.url, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  }
  loadState();
}

function begin() {
  if (!token) {
    ui.login.hidden = false;
    message('Token saknas · No token', true);
    return;
  }
  loadState();
  setInterval(() => {
    if (!session) loadState();
  }, 15000);
}

ui.useToken.addEventListener('click', () => {
  token = ui.tokenBox.value.trim();
  ui.tokenBox.value = '';
  begin();
});
ui.watch.addEventListener('click', () => watch().catch((e) => stop(`Fel · Error: ${e.message}`, true)));
ui.close.addEventListener('click', () => stop('Stängd · Closed', false));
ui.reference.addEventListener('click', () =>
  confirmReference().catch((e) => message(`Fel · Error: ${e.message}`, true)),
);
window.addEventListener('pagehide', () => stop());
token = readFragmentToken();
begin();
