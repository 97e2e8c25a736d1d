import * as api from '../api.js';
import { state, h, view, when, childAge, guard } from '../lib.js';

/**
 * Shows a check-in's answer in <paramref name="result"/>: a code (or a sign-up picked from a list) on another day's
 * session is checked in only once staff confirm it. <c>send(confirm)</c> makes the request; <c>done()</c> runs after.
 */
export async function showCheckin(result, send, done) {
  try {
    const r = await send(false);
    const s = r.signup;
    const confirmButton = r.outcome === 'not_today'
      ? h('div', { class: 'actions' }, h('button', { id: 'checkin-confirm', onclick: guard(() => showCheckin(result, () => send(true), done)) }, '确认签到'),
        h('button', { class: 'ghost', onclick: () => { result.replaceChildren(); done(); } }, '不签到'))
      : null;
    result.replaceChildren(h('div', { class: `result ${r.outcome === 'checked_in' ? 'ok' : 'warn'}`, 'data-outcome': r.outcome }, r.message,
      h('div', { class: 'muted' }, `${s.sessionTitle} · ${when(s.startsAt)} · ${childAge(s)} · 监护人 ${s.guardianName || ''} ${s.phone || ''}`),
      confirmButton));
  } catch (err) {
    result.replaceChildren(h('div', { class: 'result bad' }, err.message));
  }
  done();
}

/** The typed-code form, the camera where the browser can read QR codes, and the answer; <c>onDone</c> after each. */
export function checkinBox(onDone) {
  const result = h('div', { id: 'checkin-result' });
  const input = h('input', { name: 'code', id: 'checkin-code', placeholder: '扫码或输入签到码，如 KP-12-ABCD…', autocomplete: 'off', autofocus: true });
  const form = h('form', { class: 'inline card', id: 'checkin-form' }, h('label', { style: 'flex:1' }, h('span', {}, '签到码'), input), h('button', { type: 'submit' }, '签到'));
  const done = () => { input.value = ''; input.focus(); if (onDone) onDone(); };
  const submit = code => showCheckin(result, confirm => api.checkIn(code, confirm), done);
  form.addEventListener('submit', (e) => { e.preventDefault(); if (input.value.trim()) submit(input.value.trim()); });
  const scan = h('div', {});
  // The browser's own barcode detector where it has one (Chrome on Android, macOS); USB/Bluetooth scanners type into the box.
  if ('BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scan.append(h('button', { class: 'ghost', id: 'checkin-camera', onclick: guard(async (e) => {
      e.currentTarget.remove();
      const video = h('video', { id: 'scanner', playsinline: true, muted: true });
      scan.append(video);
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.srcObject = stream;
      await video.play();
      const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      let last = '';
      const timer = setInterval(async () => {
        if (!document.body.contains(video)) { clearInterval(timer); stream.getTracks().forEach(t => t.stop()); return; }
        const codes = await detector.detect(video).catch(() => []);
        if (codes[0] && codes[0].rawValue !== last) { last = codes[0].rawValue; submit(last); }
      }, 400);
      state.timers.push(timer);
    }) }, '打开摄像头扫码'));
  } else {
    scan.append(h('p', { class: 'muted', id: 'checkin-no-camera' }, '此浏览器不能用摄像头识别二维码：请用扫码枪或手动输入签到码。'));
  }
  return { elements: [form, scan, result], focus: () => input.focus() };
}

export function checkinPage() {
  const box = checkinBox();
  view('签到', box.elements);
  box.focus();
}
