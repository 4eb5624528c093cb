// One look from the round: the overlay with the picture full width, its countdown and words, and
// the one tap for what was seen. WebRTC through the centre's relay, or, where the centre runs it
// and WebRTC cannot bring the picture (no RTCPeerConnection, ICE not connected), the same look
// over MPEG-1 and the centre's HTTPS. Every request carries the look's handle, never a token.
import { Player } from './player.js';
import { say, sayEnd } from './reasons.js';

const $ = (id) => document.getElementById(id);

/**
 * o: { lang() (the page's language), toSignIn(), recorded(device, outcome) (the words for a noted
 * outcome), closed(note) (the round reloads and shows `note`) }.
 */
export function lookOverlay(o) {
  let look = null;

  function open(device, started, fallback) {
    $('look-room').textContent = device.room;
    message(say('connecting', o.lang()));
    $('look').hidden = false;
    document.body.classList.add('looking');
    outcomesEnabled(true);
    show('webrtc');
    look = { device, started };
    run(
      new Player({
        frame: $('look-frame'),
        video: $('look-video'),
        whep: `/round/look/${device.deviceId}/whep`,
        ...(fallback ? { fallback: `/round/look/${device.deviceId}/fallback` } : {}),
        headers: () => ({ 'Nattsyn-Look': started.handle }),
        iceServers: started.iceServers,
        onEvent,
      }),
    );
  }

  /** Plays the look with `player`; whatever breaks before the picture, the nurse is told. */
  function run(player) {
    look.player = player;
    player.start().catch(() => {
      player.close();
      if (look?.player === player) onEvent({ type: 'refused', status: 0, code: 'connection_lost' });
    });
  }

  /** WebRTC cannot bring the picture to this phone: the same look over MPEG-1 and the centre's HTTPS. */
  async function fallBack() {
    const current = look;
    const { FallbackPlayer } = await import('./fallback.js');
    if (look !== current) return;
    const { device, started } = look;
    show('mpeg1');
    const socket = new URL(`/round/look/${device.deviceId}/fallback/ws`, location.href);
    socket.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    run(
      new FallbackPlayer({
        frame: $('look-frame'),
        canvas: $('look-canvas'),
        fallback: `/round/look/${device.deviceId}/fallback`,
        socket: socket.href,
        headers: () => ({ 'Nattsyn-Look': started.handle }),
        onEvent,
      }),
    );
  }

  function onEvent(e) {
    const lang = o.lang();
    if (e.type === 'fallback') {
      message(say('fallback', lang));
      return fallBack();
    }
    if (e.type === 'playing' || e.type === 'resumed') message('');
    if (e.type === 'stalled') message(say('stalled', lang), true);
    if (e.type === 'tick') {
      const sec = Math.ceil(e.remainingMs / 1000);
      $('look-remaining').textContent = `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
      $('look-remaining').hidden = false;
    }
    if (e.type === 'refused') {
      if (e.status === 401 && ['not_signed_in', 'session_expired', 'signed_out'].includes(e.code))
        return o.toSignIn();
      message(say(e.code, lang, e.message), true);
      $('look-remaining').hidden = true;
      // No session was opened: there is nothing to note.
      outcomesEnabled(false);
    }
    if (e.type === 'ended') {
      $('look-remaining').hidden = true;
      if (e.status.endCode !== 'closed_by_viewer')
        message(sayEnd(e.status, lang, look?.device.timeZone), true);
    }
  }

  async function record(outcome) {
    if (!look) return;
    const { player, device } = look;
    outcomesEnabled(false);
    await player.close();
    const result = await player.outcome(outcome);
    if (!result.ok) {
      message(say(result.code, o.lang(), result.message), true);
      outcomesEnabled(true);
      return;
    }
    close(o.recorded(device, outcome));
  }

  /** Ends the look; `reload` false when the page is going away anyway. */
  async function close(note, reload = true) {
    look?.player?.close();
    look = null;
    $('look').hidden = true;
    document.body.classList.remove('looking');
    if (reload) await o.closed(note);
  }

  for (const b of document.querySelectorAll('[data-outcome]'))
    b.addEventListener('click', () => record(b.dataset.outcome));
  $('look-close').addEventListener('click', () => close());

  return { open, close, active: () => look !== null };
}

/** Which element shows the picture: the video (WebRTC) or the fallback's canvas (MPEG-1). */
function show(transport) {
  $('look-frame').dataset.transport = transport;
  $('look-video').hidden = transport !== 'webrtc';
  $('look-canvas').hidden = transport !== 'mpeg1';
}

function message(text, error) {
  $('look-message').textContent = text;
  $('look-message').className = error ? 'message error' : 'message';
}

function outcomesEnabled(enabled) {
  for (const b of document.querySelectorAll('[data-outcome]')) b.disabled = !enabled;
}
