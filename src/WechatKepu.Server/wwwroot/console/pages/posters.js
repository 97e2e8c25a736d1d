// 海报二维码: poster codes for an activity or session, with the scans and followers each brought.
import * as api from '../api.js';
import { state, h, view, when, field, formValues, guard, toast } from '../lib.js';

export async function postersPage(params) {
  const [data, codes] = await Promise.all([api.listActivities({ pageSize: 100 }), api.listPosters()]);
  const editable = new Set(data.editable);
  const activities = data.items.filter(a => state.me.role === 'admin' || editable.has(a.id));
  const canWrite = state.me.role !== 'viewer' && activities.length > 0;
  const sessionSelect = h('select', { name: 'sessionId', id: 'poster-session' });
  const days = field('有效天数（1–30）', h('input', { name: 'days', type: 'number', min: 1, max: 30, value: 30 }));
  const activitySelect = h('select', { name: 'activityId', id: 'poster-activity', onchange: () => fillSessions() },
    h('option', { value: '' }, '请选择活动'), activities.map(a => h('option', { value: a.id, selected: String(a.id) === params.get('activity') }, `${a.code} ${a.title}`)));
  const kindSelect = h('select', { name: 'kind', id: 'poster-kind', onchange: () => { days.style.display = kindSelect.value === 'temporary' ? '' : 'none'; fillSessions(); } },
    h('option', { value: 'permanent' }, '永久二维码（关注公众号，长期有效）'), h('option', { value: 'temporary' }, '临时二维码（关注公众号，最长 30 天）'),
    h('option', { value: 'miniprogram' }, '小程序码（打开场次报名页）'));
  days.style.display = 'none';
  function fillSessions() {
    const a = activities.find(x => String(x.id) === activitySelect.value);
    const mp = kindSelect.value === 'miniprogram';
    sessionSelect.replaceChildren(h('option', { value: '' }, mp ? '请选择场次' : '整个活动（不限场次）'),
      ...(a ? a.sessions : []).map(s => h('option', { value: s.id }, `${s.title} · ${when(s.startsAt)}`)));
  }
  fillSessions();
  const preview = h('div', { id: 'poster-preview' });
  const form = h('form', { class: 'stack card', id: 'poster-form' },
    h('div', { class: 'fields' }, field('活动', activitySelect), field('场次', sessionSelect), field('类型', kindSelect), days),
    h('button', { type: 'submit' }, '生成二维码'));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    if (!v.activityId) { toast('请选择活动'); return; }
    if (v.kind === 'miniprogram' && !v.sessionId) { toast('小程序码对应一个场次，请选择场次'); return; }
    const code = await api.createPoster({
      activityId: Number(v.activityId), sessionId: v.sessionId ? Number(v.sessionId) : null, kind: v.kind,
      days: v.kind === 'temporary' ? Number(v.days) : null });
    toast('二维码已生成');
    location.hash = `#/posters?activity=${code.activityId}&new=${code.id}`;
  }));
  const fresh = codes.find(c => String(c.id) === params.get('new'));
  if (fresh) {
    preview.append(h('div', { class: 'card poster-card' },
      h('img', { src: fresh.imageUrl, alt: '海报二维码', class: 'poster-qr' }),
      h('div', {}, h('h2', {}, fresh.activityTitle), fresh.sessionTitle ? h('p', {}, `${fresh.sessionTitle} · ${when(fresh.sessionStartsAt)}`) : null,
        h('p', { class: 'muted' }, `${fresh.kindLabel}${fresh.expiresAt ? `，${when(fresh.expiresAt)} 前有效` : ''}`),
        h('a', { class: 'button', href: fresh.imageUrl, download: `poster-${fresh.id}.png`, id: 'poster-download' }, '下载打印版 PNG'))));
  }
  const shown = params.get('activity') ? codes.filter(c => String(c.activityId) === params.get('activity')) : codes;
  view('海报二维码',
    h('p', { class: 'muted' }, '把二维码印在活动海报上：关注者扫码后自动订阅该活动的提醒（如有提醒主题）并收到活动介绍；小程序码直接打开场次报名页。下表统计每个二维码带来的扫码次数和新关注者。'),
    canWrite ? form : h('p', { class: 'muted' }, '只有组织者和管理员可以为本单位的活动生成二维码。'),
    preview,
    h('div', { class: 'table-wrap' }, h('table', { id: 'posters' },
      h('tr', {}, h('th', {}, '二维码'), h('th', {}, '活动 / 场次'), h('th', {}, '类型'), h('th', {}, '扫码次数'), h('th', {}, '新关注'), h('th', {}, '生成时间'), h('th', {}, '')),
      shown.map(c => h('tr', { 'data-id': c.id },
        h('td', {}, h('img', { src: c.imageUrl, alt: '', width: 64, height: 64, loading: 'lazy' })),
        h('td', {}, c.activityTitle, c.sessionTitle ? h('div', { class: 'muted' }, `${c.sessionTitle} · ${when(c.sessionStartsAt)}`) : null),
        h('td', {}, c.kindLabel, c.expiresAt ? h('div', { class: 'muted' }, `${when(c.expiresAt)} 前有效`) : null),
        h('td', { class: 'scans' }, c.kind === 'wxacode' ? '—' : String(c.scans)),
        h('td', { class: 'new-followers' }, c.kind === 'wxacode' ? '—' : String(c.newFollowers)),
        h('td', {}, when(c.createdAt)),
        h('td', {}, h('a', { href: c.imageUrl, download: `poster-${c.id}.png` }, '下载')))))));
}
