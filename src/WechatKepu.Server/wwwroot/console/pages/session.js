import * as api from '../api.js';
import { h, view, when, badge, childAge, field, formValues, guard, toast, can, route, toLocalInput, fromLocalInput, GRADES, STATUS } from '../lib.js';

export function sessionForm(session, onSubmit) {
  const s = session || {};
  const gradeSelect = (name, value) => h('select', { name }, h('option', { value: '' }, '不限'),
    GRADES.map((g, i) => h('option', { value: i, selected: value === i }, g)));
  const form = h('form', { class: 'stack card', id: 'session-form' },
    h('div', { class: 'fields' },
      field('场次名称', h('input', { name: 'title', value: s.title || '', required: true })),
      field('地点', h('input', { name: 'venue', value: s.venue || '', required: true })),
      field('开始时间', h('input', { name: 'startsAt', type: 'datetime-local', value: toLocalInput(s.startsAt), required: true })),
      field('结束时间', h('input', { name: 'endsAt', type: 'datetime-local', value: toLocalInput(s.endsAt), required: true })),
      field('名额', h('input', { name: 'capacity', type: 'number', min: 0, value: s.capacity ?? 30, required: true })),
      field('候补名额', h('input', { name: 'waitlistCapacity', type: 'number', min: 0, value: s.waitlistCapacity ?? 10 })),
      field('报名开始', h('input', { name: 'signupOpensAt', type: 'datetime-local', value: toLocalInput(s.signupOpensAt) })),
      field('报名截止', h('input', { name: 'signupClosesAt', type: 'datetime-local', value: toLocalInput(s.signupClosesAt) })),
      field('取消截止', h('input', { name: 'cancelDeadline', type: 'datetime-local', value: toLocalInput(s.cancelDeadline) })),
      field('最低年级', gradeSelect('minGrade', s.minGrade)),
      field('最高年级', gradeSelect('maxGrade', s.maxGrade)),
      field('状态', h('select', { name: 'status' }, ['open', 'closed'].map(v => h('option', { value: v, selected: (s.status || 'open') === v }, STATUS[v]))))),
    session ? h('p', { class: 'muted' }, '改期时，未改动的报名截止、取消截止随开始时间一起顺延；改了时间或地点，已报名的家长会收到变更通知。') : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, session ? '保存修改' : '创建场次')));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    const num = (x) => (x === '' ? null : Number(x));
    await onSubmit({
      title: v.title, venue: v.venue, startsAt: fromLocalInput(v.startsAt), endsAt: fromLocalInput(v.endsAt),
      capacity: num(v.capacity), waitlistCapacity: num(v.waitlistCapacity) ?? 0,
      signupOpensAt: fromLocalInput(v.signupOpensAt), signupClosesAt: fromLocalInput(v.signupClosesAt), cancelDeadline: fromLocalInput(v.cancelDeadline),
      minGrade: num(v.minGrade), maxGrade: num(v.maxGrade), status: v.status,
    });
  }));
  return form;
}

export async function sessionPage(id) {
  const [session, signups, events, notices] = await Promise.all([
    api.getSession(id),
    api.sessionSignups(id),
    api.sessionEvents(id),
    api.sessionNotices(id).catch(() => []),
  ]);
  const writable = can('organiser') && session.status !== 'cancelled';
  view(session.title,
    h('div', { class: 'card' },
      h('div', {}, badge(session.status), ' ', session.activityTitle),
      h('div', {}, `${when(session.startsAt)} – ${when(session.endsAt)} · ${session.venue}`),
      h('div', {}, `名额 ${session.capacity}，已确认 ${session.capacity - session.placesLeft}，候补 ${session.waitlistLength}/${session.waitlistCapacity}`),
      h('div', { class: 'muted' }, `报名 ${when(session.signupOpensAt)} 至 ${when(session.signupClosesAt)}；取消截止 ${when(session.cancelDeadline)}${session.gradeRange ? '；' + session.gradeRange : ''}`),
      h('div', { class: 'actions' },
        can('organiser') ? h('a', { class: 'button', id: 'export', href: api.sessionExportUrl(id), download: '' }, '导出 Excel') : null,
        h('button', { class: 'ghost', onclick: () => route() }, '刷新'),
        writable ? h('button', { class: 'ghost', id: 'edit', onclick: (e) => {
          e.currentTarget.closest('.card').after(sessionForm(session, async (body) => {
            const r = await api.updateSession(id, body);
            toast(r.promoted.length ? `已保存，${r.promoted.length} 人由候补转正` : '已保存');
            route();
          }));
        } }, '编辑 / 改期 / 调整名额') : null,
        writable ? h('button', { class: 'danger', id: 'cancel-session', onclick: guard(async () => {
          const reason = prompt('取消原因（将通知已报名家长，20 字以内）');
          if (reason === null) return;
          const r = await api.cancelSession(id, reason);
          toast(`场次已取消，${r.cancelled} 条报名将收到通知`);
          route();
        }) }, '取消场次') : null)),
    h('h2', {}, `报名名单（${signups.length}）`),
    h('div', { class: 'table-wrap' }, h('table', { id: 'signups' },
      h('tr', {}, h('th', {}, '儿童'), h('th', {}, '年级 / 学校'), h('th', {}, '监护人'), h('th', {}, '电话'), h('th', {}, '状态'), h('th', {}, '报名时间'), h('th', {}, '签到')),
      signups.map(s => h('tr', {},
        h('td', {}, s.childName || '（已删除）'),
        h('td', {}, `${childAge(s)} ${s.school || ''}`),
        h('td', {}, s.guardianName || ''),
        h('td', {}, s.phone || ''),
        h('td', {}, badge(s.status), s.waitlistPosition ? ` 第 ${s.waitlistPosition} 位` : ''),
        h('td', {}, when(s.createdAt)),
        h('td', {}, s.checkedInAt ? when(s.checkedInAt) : ''))))),
    h('h2', {}, '报名变动与通知记录'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'events' },
      h('tr', {}, h('th', {}, '时间'), h('th', {}, '儿童'), h('th', {}, '事件'), h('th', {}, '已通知')),
      events.map(e => h('tr', {}, h('td', {}, when(e.createdAt)), h('td', {}, e.childName || ''), h('td', {}, STATUS[e.kind] || e.kind),
        h('td', {}, e.notifiedAt ? when(e.notifiedAt) : ''))))),
    h('h2', {}, '给家长的通知'),
    notices.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'notices' },
      h('tr', {}, h('th', {}, '时间'), h('th', {}, '通知'), h('th', {}, '家长看到的内容'), h('th', {}, '已送达')),
      notices.map(n => h('tr', {}, h('td', {}, when(n.createdAt)), h('td', {}, STATUS[n.kind] || n.kind),
        h('td', {}, n.fields.map(f => h('div', {}, f))), h('td', {}, `${n.sent}/${n.total}`))))) : h('p', { class: 'muted' }, '暂无通知'));
}
