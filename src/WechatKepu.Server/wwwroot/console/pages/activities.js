import * as api from '../api.js';
import { state, h, view, when, badge, field, formValues, guard, toast, route } from '../lib.js';
import { sessionForm } from './session.js';

export async function activitiesPage(params) {
  const mine = params.get('mine') === 'true';
  const data = await api.listActivities({ mine });
  const editable = new Set(data.editable);
  const items = [...data.items].sort((a, b) => (editable.has(b.id) ? 1 : 0) - (editable.has(a.id) ? 1 : 0));
  const canWrite = state.me.role !== 'viewer';
  // The catalogue's made-up sample sessions: an admin removes them all at once before the real ones go in.
  const samples = data.items.flatMap(a => a.sessions).filter(s => s.isSample && s.status !== 'cancelled').length;
  const removeSamples = samples && state.me.role === 'admin' ? h('button', { class: 'danger', id: 'remove-samples', onclick: guard(async () => {
    if (!confirm(`删除全部 ${samples} 个示例场次？没有人报名的直接删除；已有报名的场次会被取消，并通知已报名的家长。`)) return;
    const r = await api.removeSampleSessions();
    toast(`已删除 ${r.deleted} 个示例场次${r.cancelled ? `，取消 ${r.cancelled} 个（${r.signupsCancelled} 条报名将收到通知）` : ''}`);
    route();
  }) }, `删除全部示例场次（${samples}）`) : null;
  view('活动与场次',
    h('div', { class: 'actions' },
      h('a', { class: `button ${mine ? '' : 'ghost'}`, href: '#/activities?mine=true' }, '本单位活动'),
      h('a', { class: `button ${mine ? 'ghost' : ''}`, href: '#/activities' }, '全部活动'),
      canWrite ? h('button', { class: 'ghost', id: 'new-activity', onclick: (e) => {
        const button = e.currentTarget;
        button.closest('.actions').after(activityForm({ hostUnits: state.me.unit ? [state.me.unit] : [] }, async (body) => {
          await api.createActivity(body);
          toast('活动已创建');
          route();
        }));
        button.remove();
      } }, '新建活动') : null,
      removeSamples),
    items.map(a => h('section', { class: 'card activity', 'data-code': a.code },
      h('h2', {}, `${a.code} ${a.title}`),
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
          e.currentTarget.parentElement.replaceWith(activityForm(a, async (body) => {
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
        h('a', { class: 'button ghost', href: api.activityExportUrl(a.id), download: '' }, '导出全部报名')) : null)));
}

// The activity form: units are entered one per line (主办 / 承办 / 协办), as the plan lists them.
export function activityForm(a, onSubmit) {
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
    field('主办单位（每行一个）', h('textarea', { name: 'hostUnits', required: true }, lines(a.hostUnits))),
    field('承办单位（每行一个）', h('textarea', { name: 'organiserUnits' }, lines(a.organiserUnits))),
    field('协办单位（每行一个）', h('textarea', { name: 'coOrganiserUnits' }, lines(a.coOrganiserUnits))),
    field('面向人群', h('input', { name: 'audience', maxlength: 100, value: a.audience || '' })),
    field('简介', h('textarea', { name: 'description' }, a.description || '')),
    field('接受家长报名', h('input', a.acceptsSignups ? { name: 'acceptsSignups', type: 'checkbox', checked: true } : { name: 'acceptsSignups', type: 'checkbox' }))),
    h('button', { type: 'submit' }, '保存活动'));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    const list = t => (t || '').split('\n').map(x => x.trim()).filter(Boolean);
    await onSubmit({ ...v, districts: list(v.districts), hostUnits: list(v.hostUnits), organiserUnits: list(v.organiserUnits),
      coOrganiserUnits: list(v.coOrganiserUnits), acceptsSignups: form.elements.acceptsSignups.checked });
  }));
  return form;
}
