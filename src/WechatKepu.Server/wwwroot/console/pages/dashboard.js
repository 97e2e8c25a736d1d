import * as api from '../api.js';
import { h, view, when } from '../lib.js';

export async function dashboardPage() {
  const d = await api.dashboard();
  // The landing page: its figures can take a moment on a year of data; if staff moved on meanwhile, leave their page alone.
  if (!['', '#/', '#/dashboard'].includes(location.hash.split('?')[0])) return;
  const b = d.broadcasts || {};
  view('概览',
    h('div', { class: 'grid' },
      ...[['今日报名', d.signupsToday], ['近 7 天报名', d.signupsWeek], ['在册报名（含候补、已签到）', d.activeSignups], ['公众号关注者', d.followers],
        ['待发通知', d.noticesPending], ['近 7 天已发通知', d.noticesSent], ['群发完成', (b.completed || 0) + (b.sent || 0)], ['群发失败', b.failed || 0]]
        .map(([k, v]) => h('div', { class: 'card' }, h('div', { class: 'muted' }, k), h('div', { class: 'figure' }, v)))),
    h('h2', {}, '近两周场次'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'upcoming' },
      h('tr', {}, h('th', {}, '时间'), h('th', {}, '活动 / 场次'), h('th', {}, '地点'), h('th', {}, '报名'), h('th', {}, '候补'), h('th', {}, '签到')),
      d.upcoming.map(s => h('tr', {},
        h('td', {}, when(s.startsAt)),
        h('td', {}, h('a', { href: `#/session/${s.id}` }, s.title), h('div', { class: 'muted' }, s.activityTitle)),
        h('td', {}, s.venue),
        h('td', {}, `${s.confirmedCount}/${s.capacity}`, h('div', { class: 'bar' }, h('i', { style: `width:${s.capacity ? Math.min(100, 100 * s.confirmedCount / s.capacity) : 0}%` }))),
        h('td', {}, s.waitlistCount), h('td', {}, s.checkedIn))))));
}
