// 今日场次: the day's sessions with their lists, check-in by code (typed, scanner or camera) or by hand from the list,
// counts that follow the other check-in desks (polled), and the children who did not come once a session is over.
import * as api from '../api.js';
import { h, view, badge, childAge, can, state, shanghaiDate, clock, when } from '../lib.js';
import { checkinBox, showCheckin } from './checkin.js';

const POLL_MS = 5000;

function sessionCard(s, result, refresh) {
  const pct = s.expected ? Math.round(100 * s.checkedIn / s.expected) : 0;
  const noShows = s.ended ? s.signups.filter(x => x.status === 'confirmed') : [];
  const manual = x => (can('organiser') && x.status === 'confirmed' && s.status !== 'cancelled'
    ? h('button', { class: 'ghost manual-checkin', onclick: () => showCheckin(result, confirm => api.checkInSignup(x.id, confirm), refresh) }, '手动签到')
    : null);
  return h('section', { class: 'card eventday-session', 'data-session': s.id },
    h('h2', {}, `${clock(s.startsAt)}–${clock(s.endsAt)} ${s.title}`, ' ', s.status === 'cancelled' ? badge('cancelled') : null,
      s.ended ? h('span', { class: 'badge' }, '已结束') : null),
    h('div', { class: 'muted' }, `${s.activityCode} ${s.activityTitle} · ${s.venue}`),
    h('div', { class: 'counts' }, '已签到 ', h('strong', { class: 'checked-in' }, s.checkedIn), ` / 应到 ${s.expected}（名额 ${s.capacity}）`,
      s.waitlisted ? `，候补 ${s.waitlisted}` : '', s.ended ? `，未到 ${noShows.length}` : '',
      h('div', { class: 'bar' }, h('i', { style: `width:${pct}%` }))),
    s.signups.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'eventday-signups' },
      h('tr', {}, h('th', {}, '儿童'), h('th', {}, '年级 / 学校'), h('th', {}, '监护人'), h('th', {}, '电话'), h('th', {}, '状态'), h('th', {}, '签到')),
      s.signups.map(x => h('tr', { 'data-signup': x.id, 'data-status': x.status },
        h('td', {}, x.childName || '（已删除）'), h('td', {}, `${childAge(x)} ${x.school || ''}`), h('td', {}, x.guardianName || ''),
        h('td', {}, x.phone || ''), h('td', {}, badge(x.status), x.waitlistPosition ? ` 第 ${x.waitlistPosition} 位` : ''),
        h('td', {}, x.checkedInAt ? clock(x.checkedInAt) : manual(x)))))) : h('p', { class: 'muted' }, '暂无报名'),
    s.ended ? h('div', { class: 'no-shows' }, h('h3', {}, `未到场（${noShows.length}）`),
      noShows.length ? h('ul', {}, noShows.map(x => h('li', {}, `${x.childName || '（已删除）'} · 监护人 ${x.guardianName || ''} ${x.phone || ''}`)))
        : h('p', { class: 'muted' }, '全部到场')) : null);
}

export async function eventDayPage(params) {
  const date = params.get('date') || '';
  const sessions = h('div', { id: 'eventday-sessions' });
  const summary = h('p', { id: 'eventday-summary', class: 'muted' });
  const box = checkinBox(() => refresh());
  const result = box.elements[2];
  async function refresh() {
    const day = await api.eventDay(date);
    const total = day.sessions.reduce((a, s) => ({ expected: a.expected + s.expected, checkedIn: a.checkedIn + s.checkedIn }), { expected: 0, checkedIn: 0 });
    summary.textContent = `${day.date}${day.isToday ? '（今天）' : ''}：${day.sessions.length} 个场次，已签到 ${total.checkedIn} / 应到 ${total.expected}；每 ${POLL_MS / 1000} 秒自动刷新（${when(new Date().toISOString())}）`;
    sessions.replaceChildren(...(day.sessions.length ? day.sessions.map(s => sessionCard(s, result, refresh)) : [h('p', { class: 'muted' }, '这一天没有场次。')]));
    return day;
  }
  const picker = h('form', { class: 'inline', id: 'eventday-date' },
    h('label', {}, h('span', {}, '日期 '), h('input', { type: 'date', name: 'date', value: date || shanghaiDate() })),
    h('button', { type: 'submit', class: 'ghost' }, '查看'));
  picker.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/today?date=${picker.elements.date.value}`; });
  await refresh();
  view('今日场次', picker, summary, can('organiser') ? box.elements : null, sessions);
  if (can('organiser')) box.focus();
  // Live counts: other desks check children in too.
  state.timers.push(setInterval(() => { refresh().catch(() => {}); }, POLL_MS));
}
