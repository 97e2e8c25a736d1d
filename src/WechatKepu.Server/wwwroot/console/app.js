// 科普日管理后台: a small hash-routed page over /api/console. No framework: the pages are forms and tables.
'use strict';

const state = { me: null, token: null, timers: [] };
const GRADES = ['幼儿园', '一年级', '二年级', '三年级', '四年级', '五年级', '六年级', '七年级', '八年级', '九年级', '高一', '高二', '高三'];
const STATUS = {
  confirmed: '已确认', waitlisted: '候补中', cancelled: '已取消', checked_in: '已签到', open: '开放报名', closed: '暂停报名',
  draft: '草稿', scheduled: '已安排', sending: '发送中', awaiting_confirmation: '等待管理员确认', sent: '已提交微信', completed: '已完成',
  failed: '失败', pending: '待发送', skipped: '已跳过', promoted: '候补转正', session_cancelled: '场次取消',
  session_changed: '时间/地点变更', session_reminder: '活动提醒', waitlist_promoted: '候补转正', active: '发送中',
};
const CHANNELS = { mp_subscribe: '小程序订阅消息', oa_template: '公众号模板消息' };
const ROLES = { admin: '管理员', organiser: '组织者', viewer: '只读' };

// ---- helpers -------------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const fmt = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
function when(iso) { return iso ? fmt.format(new Date(iso)) : '—'; }
// <input type=datetime-local> holds Asia/Shanghai wall time; the API takes ISO with +08:00.
function toLocalInput(iso) { return iso ? new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 16) : ''; }
function fromLocalInput(v) { return v ? `${v}:00+08:00` : null; }
function badge(status) { return h('span', { class: `badge ${status}` }, STATUS[status] || status); }
// A child is registered by grade or by birth month; staff see whichever the parent gave, and the gender if given.
function childAge(s) {
  return [s.grade, s.birthYearMonth ? `${s.birthYearMonth} 出生` : null, { male: '男', female: '女' }[s.gender]].filter(Boolean).join(' · ');
}
function grade(g) { return g === null || g === undefined ? '' : GRADES[g]; }

function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
}

class ApiError extends Error {
  constructor(status, problem) {
    const fields = problem && problem.errors ? Object.values(problem.errors).flat().join('；') : '';
    super([problem && problem.title, problem && problem.detail, fields].filter(Boolean).join('：') || `请求失败（${status}）`);
    this.status = status;
    this.problem = problem;
  }
}

async function refreshToken() {
  const r = await fetch('/api/console/antiforgery', { credentials: 'same-origin' });
  state.token = (await r.json()).token;
}

async function api(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    if (!state.token) await refreshToken();
    headers['X-CSRF-TOKEN'] = state.token;
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401 && !url.endsWith('/login')) { state.me = null; location.hash = '#/login'; throw new ApiError(401, { title: '请先登录' }); }
  if (r.status === 204) return null;
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new ApiError(r.status, json);
  return json;
}

function can(role) { return state.me && (state.me.role === 'admin' || (role === 'organiser' && state.me.role === 'organiser')); }

function view(title, ...children) {
  const main = document.getElementById('app');
  main.replaceChildren(h('h1', {}, title), ...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  return main;
}

function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value.trim();
  }
  return out;
}

function field(label, input) { return h('label', {}, h('span', {}, label), input); }

function guard(fn) {
  return async (e) => {
    if (e && e.preventDefault) e.preventDefault();
    const button = e && e.submitter ? e.submitter : (e && e.currentTarget && e.currentTarget.tagName === 'BUTTON' ? e.currentTarget : null);
    if (button) button.disabled = true;
    try { await fn(e); } catch (err) { toast(err.message); } finally { if (button) button.disabled = false; }
  };
}

// ---- pages ---------------------------------------------------------------------------------------

function loginPage() {
  document.getElementById('top').hidden = true;
  const error = h('p', { class: 'error', id: 'login-error' });
  const form = h('form', { class: 'stack card login', id: 'login-form' },
    h('h1', {}, '科普日管理后台'),
    field('用户名', h('input', { name: 'username', autocomplete: 'username', required: true })),
    field('密码', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    error,
    h('button', { type: 'submit' }, '登录'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await refreshToken();
      state.me = await api('POST', '/api/console/login', formValues(form));
      await refreshToken(); // the token is bound to who is signed in
      location.hash = '#/dashboard';
    } catch (err) { error.textContent = err.message; }
  });
  document.getElementById('app').replaceChildren(form);
}

async function dashboardPage() {
  const d = await api('GET', '/api/console/dashboard');
  const b = d.broadcasts || {};
  view('概览',
    h('div', { class: 'grid' },
      ...[['今日报名', d.signupsToday], ['近 7 天报名', d.signupsWeek], ['有效报名', d.activeSignups], ['公众号关注者', d.followers],
        ['待发通知', d.noticesPending], ['已发通知', d.noticesSent], ['群发完成', (b.completed || 0) + (b.sent || 0)], ['群发失败', b.failed || 0]]
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

function sessionForm(session, onSubmit) {
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

async function activitiesPage(params) {
  const mine = params.get('mine') === 'true';
  const data = await api('GET', `/api/console/activities?mine=${mine}`);
  const editable = new Set(data.editable);
  const items = [...data.items].sort((a, b) => (editable.has(b.id) ? 1 : 0) - (editable.has(a.id) ? 1 : 0));
  const canWrite = state.me.role !== 'viewer';
  // The catalogue's made-up sample sessions: an admin removes them all at once before the real ones go in.
  const samples = data.items.flatMap(a => a.sessions).filter(s => s.isSample && s.status !== 'cancelled').length;
  const removeSamples = samples && state.me.role === 'admin' ? h('button', { class: 'danger', id: 'remove-samples', onclick: guard(async () => {
    if (!confirm(`删除全部 ${samples} 个示例场次？没有人报名的直接删除；已有报名的场次会被取消，并通知已报名的家长。`)) return;
    const r = await api('POST', '/api/console/sample-sessions/remove', {});
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
          await api('POST', '/api/console/activities', body);
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
            await api('PUT', `/api/console/activities/${a.id}`, body);
            toast('活动已保存');
            route();
          }));
        } }, '编辑活动'),
        h('button', { class: 'ghost', onclick: (e) => {
          const host = e.currentTarget.parentElement;
          host.replaceWith(sessionForm(null, async (body) => {
            const s = await api('POST', `/api/console/activities/${a.id}/sessions`, body);
            toast('场次已创建');
            location.hash = `#/session/${s.id}`;
          }));
        } }, '新建场次'),
        h('a', { class: 'button ghost', href: `/api/console/activities/${a.id}/export.xlsx`, download: '' }, '导出全部报名')) : null)));
}

// The activity form: units are entered one per line (主办 / 承办 / 协办), as the plan lists them.
function activityForm(a, onSubmit) {
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

async function sessionPage(id) {
  const [session, signups, events, notices] = await Promise.all([
    api('GET', `/api/console/sessions/${id}`),
    api('GET', `/api/console/sessions/${id}/signups`),
    api('GET', `/api/console/sessions/${id}/events`),
    api('GET', `/api/console/sessions/${id}/notices`).catch(() => []),
  ]);
  const writable = can('organiser') && session.status !== 'cancelled';
  view(session.title,
    h('div', { class: 'card' },
      h('div', {}, badge(session.status), ' ', session.activityTitle),
      h('div', {}, `${when(session.startsAt)} – ${when(session.endsAt)} · ${session.venue}`),
      h('div', {}, `名额 ${session.capacity}，已确认 ${session.capacity - session.placesLeft}，候补 ${session.waitlistLength}/${session.waitlistCapacity}`),
      h('div', { class: 'muted' }, `报名 ${when(session.signupOpensAt)} 至 ${when(session.signupClosesAt)}；取消截止 ${when(session.cancelDeadline)}${session.gradeRange ? '；' + session.gradeRange : ''}`),
      h('div', { class: 'actions' },
        can('organiser') ? h('a', { class: 'button', id: 'export', href: `/api/console/sessions/${id}/export.xlsx`, download: '' }, '导出 Excel') : null,
        h('button', { class: 'ghost', onclick: () => route() }, '刷新'),
        writable ? h('button', { class: 'ghost', id: 'edit', onclick: (e) => {
          e.currentTarget.closest('.card').after(sessionForm(session, async (body) => {
            const r = await api('PUT', `/api/console/sessions/${id}`, body);
            toast(r.promoted.length ? `已保存，${r.promoted.length} 人由候补转正` : '已保存');
            route();
          }));
        } }, '编辑 / 改期 / 调整名额') : null,
        writable ? h('button', { class: 'danger', id: 'cancel-session', onclick: guard(async () => {
          const reason = prompt('取消原因（将通知已报名家长，20 字以内）');
          if (reason === null) return;
          const r = await api('POST', `/api/console/sessions/${id}/cancel`, { reason });
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

function checkinPage() {
  const result = h('div', { id: 'checkin-result' });
  const input = h('input', { name: 'code', id: 'checkin-code', placeholder: '扫码或输入签到码，如 KP-12-ABCD…', autocomplete: 'off', autofocus: true });
  const form = h('form', { class: 'inline card', id: 'checkin-form' }, h('label', { style: 'flex:1' }, h('span', {}, '签到码'), input), h('button', { type: 'submit' }, '签到'));
  async function submit(code, confirm) {
    try {
      const r = await api('POST', '/api/console/checkin', confirm ? { code, confirm: true } : { code });
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

async function followersPage(params) {
  const q = new URLSearchParams(params);
  const data = await api('GET', `/api/console/followers?${q}`);
  const form = h('form', { class: 'inline card', id: 'followers-filter' },
    field('标签', h('select', { name: 'tag' }, h('option', { value: '' }, '全部'), data.tags.map(t => h('option', { value: t.id, selected: q.get('tag') === String(t.id) }, `标签 ${t.id}（${t.followers}）`)))),
    field('状态', h('select', { name: 'subscribed' }, h('option', { value: '' }, '全部'), h('option', { value: 'true', selected: q.get('subscribed') === 'true' }, '关注中'), h('option', { value: 'false', selected: q.get('subscribed') === 'false' }, '已取关'))),
    field('openid / 备注', h('input', { name: 'q', value: q.get('q') || '' })),
    h('button', { type: 'submit' }, '筛选'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    location.hash = '#/followers?' + new URLSearchParams(Object.entries(v).filter(([, x]) => x !== ''));
  });
  view('关注者与标签', form,
    h('p', { class: 'muted' }, `共 ${data.total} 人`),
    h('div', { class: 'table-wrap' }, h('table', { id: 'followers' },
      h('tr', {}, h('th', {}, 'openid'), h('th', {}, '公众号'), h('th', {}, '状态'), h('th', {}, '关注时间'), h('th', {}, '来源场景'), h('th', {}, '标签'), h('th', {}, '备注')),
      data.items.map(f => h('tr', {}, h('td', {}, f.openid), h('td', {}, f.appId), h('td', {}, f.subscribed ? '关注中' : '已取关'),
        h('td', {}, when(f.subscribedAt)), h('td', {}, f.qrScene || ''), h('td', {}, f.tagIds.join(', ')), h('td', {}, f.remark || ''))))));
}

function audienceLabel(b) {
  return { all: '全部关注者', tag: `标签 ${b.audienceRef}`, topic: `提醒主题 #${b.audienceRef}`, session: `场次 #${b.audienceRef} 的家长` }[b.audience];
}

async function broadcastsPage() {
  const list = await api('GET', '/api/console/broadcasts');
  const kind = h('select', { name: 'kind', id: 'bc-kind' }, [['text', '文字'], ['news', '图文链接'], ['template', '模板消息']].map(([v, t]) => h('option', { value: v }, t)));
  const audience = h('select', { name: 'audience', id: 'bc-audience' }, [['all', '全部关注者'], ['tag', '某个标签'], ['topic', '提醒主题的订阅者'], ['session', '某场次的家长']].map(([v, t]) => h('option', { value: v }, t)));
  const parts = {
    text: h('div', {}, field('文字内容', h('textarea', { name: 'text', maxlength: 600 }))),
    news: h('div', { class: 'fields', hidden: true }, field('图文标题', h('input', { name: 'newsTitle' })), field('摘要', h('input', { name: 'newsDescription' })), field('链接', h('input', { name: 'newsUrl', placeholder: 'https://' }))),
    template: h('div', { class: 'fields', hidden: true }, field('模板 ID', h('input', { name: 'templateId' })), field('字段（每行 名称=内容）', h('textarea', { name: 'templateData', placeholder: 'thing1=科普日主场活动\ntime2=9月14日 09:00' }))),
  };
  const ref = field('标签 ID / 主题 ID / 场次 ID', h('input', { name: 'audienceRef', type: 'number', min: 1 }));
  ref.hidden = true;
  kind.addEventListener('change', () => Object.entries(parts).forEach(([k, el]) => { el.hidden = k !== kind.value; }));
  audience.addEventListener('change', () => { ref.hidden = audience.value === 'all'; });
  const form = h('form', { class: 'stack card', id: 'broadcast-form' },
    h('div', { class: 'fields' }, field('群发标题（仅后台可见）', h('input', { name: 'title', required: true, maxlength: 64 })), field('类型', kind), field('发送对象', audience), ref),
    parts.text, parts.news, parts.template,
    field('小程序页面（可选）', h('input', { name: 'page', placeholder: 'pages/index/index' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, '保存草稿')));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    const body = { title: v.title, kind: v.kind, audience: v.audience, audienceRef: v.audience === 'all' ? null : Number(v.audienceRef) || null, page: v.page || null };
    if (v.kind === 'text') body.text = v.text;
    if (v.kind === 'news') body.news = { title: v.newsTitle, description: v.newsDescription, url: v.newsUrl };
    if (v.kind === 'template') {
      body.template = { templateId: v.templateId, data: Object.fromEntries(v.templateData.split('\n').map(l => l.split('=')).filter(p => p.length >= 2 && p[0].trim()).map(([k, ...rest]) => [k.trim(), rest.join('=').trim()])) };
    }
    const b = await api('POST', '/api/console/broadcasts', body);
    toast('草稿已保存，可预览后发送');
    location.hash = `#/broadcast/${b.id}`;
  }));
  view('群发',
    can('organiser') ? form : null,
    h('p', { class: 'muted' }, '全部关注者或按标签的群发每月最多 4 次，组织者提交后需管理员确认；其他对象逐个发送，结果实时显示。'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'broadcasts' },
      h('tr', {}, h('th', {}, '标题'), h('th', {}, '对象'), h('th', {}, '状态'), h('th', {}, '计划时间'), h('th', {}, '创建人')),
      list.map(b => h('tr', {}, h('td', {}, h('a', { href: `#/broadcast/${b.id}` }, b.title)), h('td', {}, audienceLabel(b)), h('td', {}, badge(b.status)),
        h('td', {}, when(b.scheduledAt)), h('td', {}, b.createdByName))))));
}

async function broadcastPage(id) {
  const { broadcast: b, recipientList, delivery: d, unreachable } = await api('GET', `/api/console/broadcasts/${id}`);
  const at = h('input', { type: 'datetime-local', id: 'bc-at' });
  const act = (label, path, body, cls, idAttr) => h('button', { class: cls || '', id: idAttr, onclick: guard(async () => {
    const r = await api('POST', `/api/console/broadcasts/${id}/${path}`, typeof body === 'function' ? body() : body);
    // Say what actually happened: an organiser's mass send is not sent but waits for an admin.
    toast(r && r.status === 'awaiting_confirmation' ? '已提交，等待管理员确认后才会发送'
      : r && r.status === 'scheduled' && path !== 'preview' ? `已安排发送（${when(r.scheduledAt)}）` : `${label}：成功`);
    route();
  }) }, label);
  const beforeSending = ['draft', 'scheduled', 'awaiting_confirmation'].includes(b.status);
  const content = b.kind === 'text' ? b.content.text : b.kind === 'news' ? `${b.content.news.title} ${b.content.news.url}` : `${b.content.template.templateId} ${JSON.stringify(b.content.template.data)}`;
  view(`群发：${b.title}`,
    h('div', { class: 'card' },
      h('div', {}, '状态：', h('span', { id: 'bc-status' }, badge(b.status)), b.error ? h('span', { class: 'error' }, ' ' + b.error) : ''),
      h('div', {}, `对象：${audienceLabel(b)}；类型：${{ text: '文字', news: '图文链接', template: '模板消息' }[b.kind]}`),
      h('div', { class: 'muted' }, content),
      h('div', {}, `计划：${when(b.scheduledAt)}；开始：${when(b.startedAt)}；结束：${when(b.finishedAt)}`),
      b.msgId ? h('div', {}, `微信 msg_id ${b.msgId}`, b.sentCount !== null ? `；微信回报：共 ${b.totalCount}，过滤后 ${b.filterCount}，成功 ${b.sentCount}，失败 ${b.errorCount}` : '；等待微信回报发送结果') : null,
      d ? h('div', { id: 'bc-delivery' }, `投递（模板消息）：成功 ${d.sent}，失败 ${d.failed}，待发 ${d.pending}，共 ${d.total}`,
        h('div', { class: 'bar' }, h('i', { style: `width:${d.total ? 100 * (d.sent + d.failed) / d.total : 0}%` })),
        d.failures.length ? h('div', { class: 'muted' }, d.failures.map(f => `${f.openId || f.recipient}：${f.errcode ?? ''} ${f.errmsg || ''}`).join('；')) : null) : null,
      b.recipients ? h('div', { id: 'bc-progress' }, `逐个发送：成功 ${b.recipientsSent}，失败 ${b.recipientsFailed}，共 ${b.recipients}`,
        h('div', { class: 'bar' }, h('i', { style: `width:${b.recipients ? 100 * (b.recipientsSent + b.recipientsFailed) / b.recipients : 0}%` }))) : null,
      h('div', { class: 'actions' },
        b.status === 'draft' && can('organiser') ? act('预览到我的微信', 'preview', undefined, 'ghost', 'bc-preview') : null,
        b.status === 'draft' && can('organiser') ? act('立即发送', 'schedule', {}, '', 'bc-send-now') : null,
        b.status === 'draft' && can('organiser') ? h('span', { class: 'inline' }, at, act('定时发送', 'schedule', () => ({ at: fromLocalInput(at.value) }), 'ghost', 'bc-schedule')) : null,
        b.status === 'awaiting_confirmation' && state.me.role === 'admin' ? act('确认发送', 'confirm', undefined, '', 'bc-confirm') : null,
        ['draft', 'scheduled', 'awaiting_confirmation'].includes(b.status) && can('organiser') ? act('取消', 'cancel', undefined, 'danger', 'bc-cancel') : null)),
    unreachable.length ? h('h2', {}, `${beforeSending ? '预计无法送达' : '未能送达'}（${unreachable.length}）`) : null,
    unreachable.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'unreachable' },
      h('tr', {}, h('th', {}, '对象'), h('th', {}, '原因')),
      unreachable.map(u => h('tr', {}, h('td', {}, u.who), h('td', {}, u.reason))))) : null,
    recipientList.length ? h('h2', {}, `发送名单（${recipientList.length}）`) : null,
    recipientList.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'recipients' },
      h('tr', {}, h('th', {}, 'openid'), h('th', {}, '结果'), h('th', {}, '错误码'), h('th', {}, '时间')),
      recipientList.map(r => h('tr', {}, h('td', {}, r.openid), h('td', {}, badge(r.status)), h('td', {}, r.errcode ?? ''), h('td', {}, when(r.sentAt)))))) : null);
  // Live progress while it is on its way.
  if (['scheduled', 'sending', 'sent'].includes(b.status)) state.timers.push(setTimeout(() => route(), 2000));
}

async function topicsPage() {
  let topics = null;
  try { topics = await api('GET', '/api/console/topics'); } catch (err) { if (err.status !== 404) throw err; }
  if (!topics) return view('提醒主题与轮次', h('p', { class: 'muted' }, '提醒主题由提醒模块管理，该模块尚未接入本后台。'));
  const templates = await api('GET', '/api/console/notice-templates').catch(() => []);
  view('提醒主题与轮次', topics.map(t => h('section', { class: 'card topic', 'data-topic': t.name }, h('h2', {}, t.name), h('div', { class: 'muted' }, t.description || ''),
    h('div', {}, `订阅人数 ${t.subscribers}`, ' ', t.canSend ? badge('open') : h('span', { class: 'badge cancelled' }, '无法发送')),
    (t.blockers || []).map(b => h('p', { class: 'error blocker' }, b)),
    (t.warnings || []).map(w => h('p', { class: 'muted' }, w)),
    h('table', {}, h('tr', {}, h('th', {}, '轮次'), h('th', {}, '时间'), h('th', {}, '状态')),
      t.rounds.map(r => h('tr', {}, h('td', {}, r.title), h('td', {}, when(r.startsAt)), h('td', {}, badge(r.status))))))),
    templates.length ? noticeTemplatesSection(templates) : null);
}

// Which keyword of each notice's template carries the activity, time, place and note. WeChat shows no first/remark
// and at most 20 characters a field since 2023-05-04, so everything that matters goes into keyword fields.
function noticeTemplatesSection(templates) {
  const roles = [['activity', '活动'], ['time', '时间'], ['place', '地点'], ['note', '说明']];
  return [h('h2', {}, '通知模板字段'),
    h('p', { class: 'muted' }, '微信自 2023 年 5 月起不显示 first、remark，每个字段只显示一行 20 个字。请按所选模板的字段名（如 thing1、time2、keyword3）填写每项内容放在哪个字段。'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'notice-templates' },
      h('tr', {}, h('th', {}, '通知'), h('th', {}, '渠道 / 模板'), ...roles.map(([, label]) => h('th', {}, label)), h('th', {}, '示例（家长看到的）'), h('th', {}, '')),
      templates.map(t => {
        const inputs = roles.map(([role]) => h('input', { name: role, value: t.fields[role] || '', size: 10, 'aria-label': role }));
        return h('tr', { 'data-purpose': t.purpose, 'data-channel': t.channel },
          h('td', {}, t.name), h('td', {}, CHANNELS[t.channel] || t.channel, h('div', { class: 'muted' }, t.templateId || (t.purpose === 'topic_round' ? '模板 ID 在各主题中设置' : '未配置模板'))),
          ...inputs.map(i => h('td', {}, i)),
          h('td', {}, Object.values(t.example).map(v => h('div', {}, v))),
          can('organiser') ? h('td', {}, h('button', { class: 'ghost', onclick: guard(async () => {
            const body = Object.fromEntries(inputs.map(i => [i.name, i.value.trim()]));
            await api('PUT', `/api/console/notice-templates/${t.purpose}/${t.channel}`, body);
            toast('已保存');
            route();
          }) }, '保存')) : h('td', {}));
      })))];
}

async function repliesPage(params) {
  const accounts = await api('GET', '/api/console/replies/accounts');
  if (!accounts.length) return view('关键词回复与欢迎语', h('p', { class: 'muted' }, '尚未配置公众号（Wechat:OfficialAccounts）。'));
  const appId = params.get('app') || accounts[0].appId;
  const base = `/api/console/replies/${encodeURIComponent(appId)}`;
  const [rules, settings] = await Promise.all([api('GET', `${base}/rules`), api('GET', `${base}/settings`)]);
  const picker = h('div', { class: 'inline' }, accounts.map(a =>
    h('a', { class: `button ${a.appId === appId ? '' : 'ghost'}`, href: `#/replies?app=${encodeURIComponent(a.appId)}` }, a.name || a.appId)));
  const settingsForm = h('form', { class: 'stack card', id: 'reply-settings' },
    field('关注后欢迎语（留空用默认）', h('textarea', { name: 'welcomeText' }, settings.welcomeText || '')),
    field('无匹配时的默认回复（留空用默认）', h('textarea', { name: 'defaultText' }, settings.defaultText || '')),
    h('button', { type: 'submit' }, '保存'));
  settingsForm.addEventListener('submit', guard(async () => {
    const v = formValues(settingsForm);
    await api('PUT', `${base}/settings`, { welcomeText: v.welcomeText || null, defaultText: v.defaultText || null });
    toast('已保存');
  }));
  const ruleForm = h('form', { class: 'inline card', id: 'reply-rule' },
    field('关键词', h('input', { name: 'keyword', required: true, maxlength: 50 })),
    field('匹配方式', h('select', { name: 'matchKind' }, h('option', { value: 'exact' }, '完全匹配'), h('option', { value: 'contains' }, '包含'))),
    field('回复内容', h('input', { name: 'replyText', required: true })),
    field('优先级', h('input', { name: 'priority', type: 'number', value: '0' })),
    h('button', { type: 'submit' }, '添加规则'));
  ruleForm.addEventListener('submit', guard(async () => {
    const v = formValues(ruleForm);
    await api('POST', `${base}/rules`, { ...v, priority: Number(v.priority || 0), enabled: true });
    route();
  }));
  const toggle = r => guard(async () => {
    await api('PUT', `${base}/rules/${r.id}`, { keyword: r.keyword, matchKind: r.matchKind, replyText: r.replyText, priority: r.priority,
      enabled: !r.enabled, activeFrom: r.activeFrom, activeUntil: r.activeUntil });
    route();
  });
  // They answer every follower of the account: only an admin changes them.
  const admin = state.me.role === 'admin';
  const readOnly = h('p', { class: 'muted', id: 'reply-admin-only' }, '欢迎语、默认回复和关键词回复作用于整个公众号，只有管理员可以修改。');
  view('关键词回复与欢迎语', picker, admin ? settingsForm : readOnly, admin ? ruleForm : null, h('div', { class: 'table-wrap' }, h('table', { id: 'reply-rules' },
    h('tr', {}, h('th', {}, '关键词'), h('th', {}, '匹配'), h('th', {}, '回复'), h('th', {}, '优先级'), h('th', {}, '状态'), h('th', {}, '')),
    rules.map(r => h('tr', {}, h('td', {}, r.keyword), h('td', {}, r.matchKind === 'exact' ? '完全匹配' : '包含'), h('td', {}, r.replyText),
      h('td', {}, String(r.priority)), h('td', {}, r.neverAnswers ? h('span', { class: 'badge failed', title: r.neverAnswers }, '不会生效') : (r.enabled ? '启用' : '停用'),
        r.neverAnswers ? h('div', { class: 'muted rule-never' }, r.neverAnswers) : null),
      h('td', {}, admin ? h('button', { class: 'ghost', onclick: toggle(r) }, r.enabled ? '停用' : '启用') : null,
        admin ? h('button', { class: 'ghost', onclick: guard(async () => { await api('DELETE', `${base}/rules/${r.id}`); route(); }) }, '删除') : null))))));
}

async function auditPage() {
  const rows = await api('GET', '/api/console/audit?limit=200');
  view('操作日志', h('div', { class: 'table-wrap' }, h('table', { id: 'audit' },
    h('tr', {}, h('th', {}, '时间'), h('th', {}, '人员'), h('th', {}, '操作'), h('th', {}, '对象'), h('th', {}, '详情')),
    rows.map(r => h('tr', {}, h('td', {}, when(r.at)), h('td', {}, r.staffName), h('td', {}, r.action), h('td', {}, r.target || ''),
      h('td', { class: 'muted' }, JSON.stringify(r.detail)))))));
}

async function staffPage() {
  const [rows, units] = await Promise.all([api('GET', '/api/console/staff'), api('GET', '/api/console/units')]);
  // Units are chosen, never typed: an organiser sees the activities naming their unit exactly as the plan spells it.
  const unitSelect = h('select', { name: 'unit', id: 'staff-unit' }, h('option', { value: '' }, '（无）'),
    units.map(u => h('option', { value: u.name }, u.activities ? `${u.name}（${u.activities} 项活动）` : `${u.name}（管理员添加）`)));
  const unitForm = h('form', { class: 'inline card', id: 'unit-form' },
    field('列表中没有的单位', h('input', { name: 'name', required: true, maxlength: 60, placeholder: '单位全称，与活动方案一致' })),
    h('button', { type: 'submit', class: 'ghost' }, '添加单位'));
  unitForm.addEventListener('submit', guard(async () => {
    const v = formValues(unitForm);
    await api('POST', '/api/console/units', { name: v.name });
    toast(`已添加单位：${v.name}`);
    route();
  }));
  const form = h('form', { class: 'stack card', id: 'staff-form' }, h('div', { class: 'fields' },
    field('用户名', h('input', { name: 'username', required: true })), field('姓名', h('input', { name: 'displayName', required: true })),
    field('角色', h('select', { name: 'role' }, Object.entries(ROLES).map(([v, t]) => h('option', { value: v }, t)))),
    field('所属单位（组织者必填）', unitSelect), field('公众号 openid（用于预览）', h('input', { name: 'openid' })),
    field('初始密码（至少 8 位）', h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }))),
    h('button', { type: 'submit' }, '添加工作人员'));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    await api('POST', '/api/console/staff', { ...v, unit: v.unit || null, openid: v.openid || null });
    toast('已添加');
    route();
  }));
  view('工作人员', form, unitForm, h('div', { class: 'table-wrap' }, h('table', { id: 'staff' },
    h('tr', {}, h('th', {}, '用户名'), h('th', {}, '姓名'), h('th', {}, '角色'), h('th', {}, '单位'), h('th', {}, '最近登录'), h('th', {}, '状态')),
    rows.map(s => h('tr', {}, h('td', {}, s.username), h('td', {}, s.displayName), h('td', {}, ROLES[s.role]), h('td', {}, s.unit || ''),
      h('td', {}, when(s.lastLoginAt)), h('td', {}, s.disabled ? '已停用' : s.lockedUntil && Date.parse(s.lockedUntil) > Date.now() ? '锁定中' : '正常'))))));
}

// ---- routing -------------------------------------------------------------------------------------

const routes = [
  [/^#\/dashboard$/, dashboardPage],
  [/^#\/activities$/, activitiesPage],
  [/^#\/session\/(\d+)$/, (p, id) => sessionPage(id)],
  [/^#\/checkin$/, checkinPage],
  [/^#\/followers$/, followersPage],
  [/^#\/broadcasts$/, broadcastsPage],
  [/^#\/broadcast\/(\d+)$/, (p, id) => broadcastPage(id)],
  [/^#\/topics$/, topicsPage],
  [/^#\/replies$/, repliesPage],
  [/^#\/menu$/, wechatMenuPage],
  [/^#\/posters$/, postersPage],
  [/^#\/audit$/, auditPage],
  [/^#\/staff$/, staffPage],
];

async function route() {
  state.timers.forEach(t => { clearTimeout(t); clearInterval(t); });
  state.timers = [];
  const [path, query] = (location.hash || '#/dashboard').split('?');
  if (path === '#/login') return loginPage();
  if (!state.me) {
    try { state.me = await api('GET', '/api/console/me'); await refreshToken(); } catch { return; }
  }
  document.getElementById('top').hidden = false;
  document.getElementById('whoami').textContent = `${state.me.displayName}（${ROLES[state.me.role] || state.me.role}${state.me.unit ? '·' + state.me.unit : ''}）`;
  document.querySelectorAll('[data-role=admin]').forEach(a => { a.hidden = state.me.role !== 'admin'; });
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', path.startsWith(a.getAttribute('href').split('?')[0])));
  document.getElementById('nav').classList.remove('open');
  for (const [re, page] of routes) {
    const m = path.match(re);
    if (m) {
      try { await page(new URLSearchParams(query || ''), ...m.slice(1)); } catch (err) { if (err.status !== 401) view('出错了', h('p', { class: 'error' }, err.message)); }
      document.body.dataset.page = path.split('/')[1];
      return;
    }
  }
  location.hash = '#/dashboard';
}

document.getElementById('logout').addEventListener('click', guard(async () => {
  await api('POST', '/api/console/logout');
  state.me = null;
  state.token = null;
  location.hash = '#/login';
}));
document.getElementById('menu-toggle').addEventListener('click', () => document.getElementById('nav').classList.toggle('open'));
window.addEventListener('hashchange', route);
route();
