import * as api from '../api.js';
import { state, h, view, when, childAge, guard } from '../lib.js';

export function checkinPage() {
  const result = h('div', { id: 'checkin-result' });
  const input = h('input', { name: 'code', id: 'checkin-code', placeholder: '扫码或输入签到码，如 KP-12-ABCD…', autocomplete: 'off', autofocus: true });
  const form = h('form', { class: 'inline card', id: 'checkin-form' }, h('label', { style: 'flex:1' }, h('span', {}, '签到码'), input), h('button', { type: 'submit' }, '签到'));
  async function submit(code, confirm) {
    try {
      const r = await api.checkIn(code, confirm);
      const s = r.signup;
      // A session on another day is checked in only once staff confirm it.
      const confirmButton = r.outcome === 'not_today'
        ? h('div', { class: 'actions' }, h('button', { id: 'checkin-confirm', onclick: guard(() => submit(code, true)) }, '确认签到'),
          h('button', { class: 'ghost', onclick: () => { result.replaceChildren(); input.focus(); } }, '不签到'))
        : null;
      result.replaceChildren(h('div', { class: `result ${r.outcome === 'checked_in' ? 'ok' : 'warn'}` }, r.message,
        h('div', { class: 'muted' }, `${s.sessionTitle} · ${when(s.startsAt)} · ${childAge(s)} · 监护人 ${s.guardianName || ''} ${s.phone || ''}`),
        confirmButton));
    } catch (err) {
      result.replaceChildren(h('div', { class: 'result bad' }, err.message));
    }
    input.value = '';
    input.focus();
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); if (input.value.trim()) submit(input.value.trim()); });
  const scan = h('div', {});
  // The browser's own barcode detector where it has one (Chrome on Android, macOS); USB/Bluetooth scanners type into the box.
  if ('BarcodeDetector' in window && navigator.mediaDevices) {
    scan.append(h('button', { class: 'ghost', onclick: async (e) => {
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
    } }, '打开摄像头扫码'));
  }
  view('签到', form, scan, result);
  input.focus();
}
