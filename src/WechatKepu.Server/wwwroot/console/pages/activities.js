import * as api from '../api.js';
import { state, h, view, when, badge, field, formValues, guard, toast, route, unitPicker, shanghaiDate, clock, pager } from '../lib.js';
import { sessionForm } from './session.js';

const CATEGORIES = ['主场活动', '重点活动', '各单位特色活动', '系列联合行动'];
const FILTERS = ['q', 'category', 'month', 'district', 'unit', 'mine'];

// The filters staff narrow the list (or the calendar) by; the server applies them (GET /api/console/activities).
function filterForm(params, data, units, calendar) {
  const value = k => params.get(k) || '';
  const form = h('form', { class: 'inline card', id: 'activity-filter' },
    field('搜索', h('input', { name: 'q', value: value('q'), placeholder: '活动名称、编号、地点、单位', type: 'search' })),
    field('类别', h('select', { name: 'category' }, h('option', { value: '' }, '全部类别'),
      CATEGORIES.map(c => h('option', { value: c, selected: value('category') === c }, c)))),
    calendar ? null : field('月份', h('input', { name: 'month', type: 'month', value: value('month') })),
    field('区县', h('select', { name: 'district' }, h('option', { value: '' }, '全部区县'),
      data.districts.map(d => h('option', { value: d, selected: value('district') === d }, d)))),
    field('单位', h('select', { name: 'unit' }, h('option', { value: '' }, '全部单位'),
      units.map(u => h('option', { value: u.name, selected: value('unit') === u.name }, u.name)))),
    state.me.unit ? h('label', { class: 'check' }, h('input', { name: 'mine', type: 'checkbox', checked: params.get('mine') === 'true' }), ' 只看本单位') : null,
    h('button', { type: 'submit' }, '筛选'),
    FILTERS.some(k => params.get(k)) ? h('a', { class: 'button ghost', href: calendar ? '#/activities?view=calendar' : '#/activities' }, '清除筛选') : null);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const next = new URLSearchParams();
    if (calendar) { next.set('view', 'calendar'); if (params.get('month')) next.set('month', params.get('month')); }
    for (const k of FILTERS) if (v[k] === true) next.set(k, 'true'); else if (v[k] && v[k] !== false) next.set(k, v[k]);
    location.hash = '#/activities?' + next;
  });
  return form;
}

function filtersOf(params) {
  return Object.fromEntries(FILTERS.map(k => [k, params.get(k)]).filter(([, v]) => v));
}

function viewSwitch(params, calendar) {
  const q = new URLSearchParams(filtersOf(params));
  const list = new URLSearchParams(q);
  const cal = new URLSearchParams(q);
  cal.delete('month');
  cal.set('view', 'calendar');
  return h('div', { class: 'actions', id: 'activity-views' },
    h('a', { class: `button ${calendar ? 'ghost' : ''}`, href: '#/activities?' + list, id: 'view-list' }, '列表'),
    h('a', { class: `button ${calendar ? '' : 'ghost'}`, href: '#/activities?' + cal, id: 'view-calendar' }, '月历'));
}

// A month of sessions (Asia/Shanghai), Monday first; the caller's unit's sessions are green.
async function calendarPage(params, units) {
  const filters = filtersOf(params);
  // The activity list is asked only for the filter form's districts; the month's sessions come from the calendar's own query.
  const [cal, data] = await Promise.all([api.sessionCalendar(filters), api.listActivities({ ...filters, month: undefined, pageSize: 1 })]);
  const [year, month] = cal.month.split('-').map(Number);
  const first = new Date(Date.UTC(year, month - 1, 1));
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const byDay = new Map();
  for (const s of cal.sessions) {
    const d = shanghaiDate(s.startsAt);
    if (!byDay.has(d)) byDay.set(d, []);
    byDay.get(d).push(s);
  }
  const today = shanghaiDate();
  const pad = n => String(n).padStart(2, '0');
  const shift = (k) => {
    const d = new Date(Date.UTC(year, month - 1 + k, 1));
    const q = new URLSearchParams({ ...filters, view: 'calendar', month: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}` });
    return '#/activities?' + q;
  };
  const cells = [];
  for (let i = 0; i < lead; i++) cells.push(h('div', { class: 'day other' }));
  for (let d = 1; d <= days; d++) {
    const date = `${cal.month}-${pad(d)}`;
    cells.push(h('div', { class: `day${date === today ? ' today' : ''}`, 'data-date': date }, h('div', { class: 'n' }, d),
      (byDay.get(date) || []).map(s => h('a', {
        class: `cal-session${s.isMine ? ' mine' : ''}${s.status === 'cancelled' ? ' cancelled' : ''}`, href: `#/session/${s.id}`,
        title: `${clock(s.startsAt)} ${s.activityTitle} · ${s.title} · ${s.venue} · 报名 ${s.confirmedCount}/${s.capacity}`,
      }, `${clock(s.startsAt)} `, h('span', { class: 't' }, `${s.activityTitle} `), `${s.confirmedCount}/${s.capacity}`))));
  }
  view('活动与场次', viewSwitch(params, true), filterForm(params, data, units, true),
    h('div', { class: 'actions' }, h('a', { class: 'button ghost', href: shift(-1), id: 'cal-prev' }, '‹ 上个月'),
      h('strong', { id: 'cal-month', style: 'align-self:center' }, `${year} 年 ${month} 月`),
      h('a', { class: 'button ghost', href: shift(1), id: 'cal-next' }, '下个月 ›'),
      h('span', { class: 'muted', style: 'align-self:center' }, `共 ${cal.sessions.length} 个场次`)),
    h('div', { class: 'calendar', id: 'calendar' }, ['一', '二', '三', '四', '五', '六', '日'].map(d => h('div', { class: 'dow' }, `周${d}`)), cells));
}

export async function activitiesPage(params) {
  const units = await api.listUnits();
  if (params.get('view') === 'calendar') return calendarPage(params, units);
  const page = Math.max(1, parseInt(params.get('page'), 10) || 1);
  const data = await api.listActivities({ ...filtersOf(params), page });
  const editable = new Set(data.editable);
  const mineIds = new Set(data.mine);
  // The server lists the caller's unit's activities first, a page at a time, each with all its sessions.
  const items = data.items;
  const pageHref = p => '#/activities?' + new URLSearchParams({ ...filtersOf(params), ...(p > 1 ? { page: p } : {}) });
  const canWrite = state.me.role !== 'viewer';
  // The catalogue's made-up sample sessions: an admin removes them all at once before the real ones go in.
  const samples = data.samples || 0;
  const removeSamples = samples && state.me.role === 'admin' ? h('button', { class: 'danger', id: 'remove-samples', onclick: guard(async () => {
    if (!confirm(`删除全部 ${samples} 个示例场次？没有人报名的直接删除；已有报名的场次会被取消，并通知已报名的家长。`)) return;
    const r = await api.removeSampleSessions();
    toast(`已删除 ${r.deleted} 个示例场次${r.cancelled ? `，取消 ${r.cancelled} 个（${r.signupsCancelled} 条报名将收到通知）` : ''}`);
    route();
  }) }, `删除全部示例场次（${samples}）`) : null;
  view('活动与场次',
    viewSwitch(params, false),
    filterForm(params, data, units, false),
    h('div', { class: 'actions' },
      h('span', { class: 'muted', id: 'activity-count', style: 'align-self:center' }, `共 ${data.total} 项活动${data.mineTotal ? `，本单位 ${data.mineTotal} 项排在前面` : ''}`),
      canWrite ? h('a', { class: 'button ghost', id: 'filing-export', href: api.activityFilingUrl(filtersOf(params)), download: '',
        title: state.me.role === 'admin' ? '按当前筛选导出，按全国科普日平台的活动填报字段排列' : '导出本单位的活动，按全国科普日平台的活动填报字段排列' }, '导出活动备案表') : null,
      canWrite ? h('button', { class: 'ghost', id: 'new-activity', onclick: (e) => {
        const button = e.currentTarget;
        button.closest('.actions').after(activityForm({ hostUnits: state.me.unit ? [state.me.unit] : [] }, units, async (body) => {
          const created = await api.createActivity(body);
          toast('活动已创建');
          // The new activity may fall on any page: show it by its code, with its 新建场次 button.
          location.hash = '#/activities?' + new URLSearchParams({ q: created.code });
        }));
        button.remove();
      } }, '新建活动') : null,
      removeSamples),
    items.map(a => h('section', { class: 'card activity', 'data-code': a.code },
      h('h2', {}, `${a.code} ${a.title}`, mineIds.has(a.id) ? h('span', { class: 'badge mine-mark' }, '本单位') : null),
      a.shortName ? h('div', { class: 'muted short-name' }, `通知简称：${a.shortName}`) : null,
      h('div', { class: 'muted' }, `${a.timeText} · ${a.venue}`),
      h('div', { class: 'muted' }, `主办：${a.hostUnits.join('、')}；承办：${a.organiserUnits.join('、') || '—'}${a.coOrganiserUnits.length ? '；协办：' + a.coOrganiserUnits.join('、') : ''}`),
      a.sessions.length ? h('div', { class: 'table-wrap' }, h('table', {},
        h('tr', {}, h('th', {}, '场次'), h('th', {}, '时间'), h('th', {}, '报名'), h('th', {}, '候补'), h('th', {}, '状态')),
        a.sessions.map(s => h('tr', {},
          h('td', {}, h('a', { href: `#/session/${s.id}` }, s.title), s.isSample ? h('span', { class: 'badge sample' }, '示例') : null),
          h('td', {}, when(s.startsAt)),
          h('td', {}, `${s.capacity - s.placesLeft}/${s.capacity}`),
          h('td', {}, `${s.waitlistLength}/${s.waitlistCapacity}`),
          h('td', {}, badge(s.status)))))) : h('p', { class: 'muted' }, '暂无场次'),
      editable.has(a.id) ? h('div', { class: 'actions' },
        h('button', { class: 'ghost', onclick: (e) => {
          e.currentTarget.parentElement.replaceWith(activityForm(a, units, async (body) => {
            await api.updateActivity(a.id, body);
            toast('活动已保存');
            route();
          }));
        } }, '编辑活动'),
        h('button', { class: 'ghost', onclick: (e) => {
          const host = e.currentTarget.parentElement;
          host.replaceWith(sessionForm(null, async (body) => {
            const s = await api.createSession(a.id, body);
            toast('场次已创建');
            location.hash = `#/session/${s.id}`;
          }));
        } }, '新建场次'),
        h('a', { class: 'button ghost', href: api.activityExportUrl(a.id), download: '' }, '导出全部报名')) : null)),
    pager(data, pageHref, 'activity-pager'));
}

// The activity form: units (主办 / 承办 / 协办) are chosen from the unit list, in the plan's order.
export function activityForm(a, units, onSubmit) {
  const pickers = { hostUnits: unitPicker('hostUnits', a.hostUnits, units), organiserUnits: unitPicker('organiserUnits', a.organiserUnits, units),
    coOrganiserUnits: unitPicker('coOrganiserUnits', a.coOrganiserUnits, units) };
  const lines = v => (v || []).join('\n');
  const form = h('form', { class: 'stack card', id: 'activity-form' }, h('div', { class: 'fields' },
    field('类别', h('select', { name: 'category' }, ['主场活动', '重点活动', '各单位特色活动', '系列联合行动']
      .map(c => h('option', c === (a.category || '各单位特色活动') ? { value: c, selected: true } : { value: c }, c)))),
    field('活动名称', h('input', { name: 'title', required: true, maxlength: 200, value: a.title || '' })),
    field('通知简称（20 字以内，微信通知中显示）', h('input', { name: 'shortName', maxlength: 20, value: a.shortName || '' })),
    field('时间（如 9月-11月）', h('input', { name: 'timeText', required: true, maxlength: 50, value: a.timeText || '' })),
    field('开始日期', h('input', { name: 'startsOn', type: 'date', required: true, value: a.startsOn || '' })),
    field('结束日期', h('input', { name: 'endsOn', type: 'date', required: true, value: a.endsOn || '' })),
    field('地点', h('input', { name: 'venue', required: true, maxlength: 200, value: a.venue || '' })),
    field('区县（每行一个）', h('textarea', { name: 'districts' }, lines(a.districts))),
    field('主办单位', pickers.hostUnits),
    field('承办单位', pickers.organiserUnits),
    field('协办单位', pickers.coOrganiserUnits),
    field('面向人群', h('input', { name: 'audience', maxlength: 100, value: a.audience || '' })),
    field('简介', h('textarea', { name: 'description' }, a.description || '')),
    field('接受家长报名', h('input', a.acceptsSignups ? { name: 'acceptsSignups', type: 'checkbox', checked: true } : { name: 'acceptsSignups', type: 'checkbox' }))),
    h('button', { type: 'submit' }, '保存活动'));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    const list = t => (t || '').split('\n').map(x => x.trim()).filter(Boolean);
    await onSubmit({ ...v, districts: list(v.districts), hostUnits: pickers.hostUnits.values(), organiserUnits: pickers.organiserUnits.values(),
      coOrganiserUnits: pickers.coOrganiserUnits.values(), acceptsSignups: form.elements.acceptsSignups.checked });
  }));
  return form;
}
