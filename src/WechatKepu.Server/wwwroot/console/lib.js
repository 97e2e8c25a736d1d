// Shared by every page of the console: the signed-in state, DOM helpers, Asia/Shanghai formatting and the hash router.

export const state = { me: null, token: null, timers: [] };
export const GRADES = ['幼儿园', '一年级', '二年级', '三年级', '四年级', '五年级', '六年级', '七年级', '八年级', '九年级', '高一', '高二', '高三'];
export const STATUS = {
  confirmed: '已确认', waitlisted: '候补中', cancelled: '已取消', checked_in: '已签到', open: '开放报名', closed: '暂停报名',
  draft: '草稿', scheduled: '已安排', sending: '发送中', awaiting_confirmation: '等待管理员确认', sent: '已提交微信', completed: '已完成',
  failed: '失败', pending: '待发送', skipped: '已跳过', promoted: '候补转正', session_cancelled: '场次取消',
  session_changed: '时间/地点变更', session_reminder: '活动提醒', waitlist_promoted: '候补转正', active: '发送中',
};
export const CHANNELS = { mp_subscribe: '小程序订阅消息', oa_template: '公众号模板消息' };
export const ROLES = { admin: '管理员', organiser: '组织者', viewer: '只读' };

// ---- DOM -----------------------------------------------------------------------------------------

export function h(tag, attrs, ...children) {
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

export function badge(status) { return h('span', { class: `badge ${status}` }, STATUS[status] || status); }

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
}

export function can(role) { return state.me && (state.me.role === 'admin' || (role === 'organiser' && state.me.role === 'organiser')); }

export function view(title, ...children) {
  const main = document.getElementById('app');
  main.replaceChildren(h('h1', {}, title), ...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  return main;
}

export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value.trim();
  }
  return out;
}

export function field(label, input) { return h('label', {}, h('span', {}, label), input); }

/** Previous / next links and "第 p / n 页" for a paged list; href(p) is page p's address. Nothing when it all fits on one page. */
export function pager({ total, page, pageSize }, href, id = 'pager') {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1 && page <= 1) return null;
  const link = (p, text, rel) => p >= 1 && p <= pages && p !== page
    ? h('a', { class: 'button ghost', href: href(p), 'data-rel': rel }, text)
    : h('span', { class: 'button ghost disabled', 'aria-disabled': 'true', 'data-rel': rel }, text);
  return h('nav', { class: 'actions pager', id, 'aria-label': '分页' },
    link(page - 1, '‹ 上一页', 'prev'),
    h('span', { class: 'muted', style: 'align-self:center' }, `第 ${page} / ${pages} 页，共 ${total} 项`),
    link(page + 1, '下一页 ›', 'next'));
}

export function guard(fn) {
  return async (e) => {
    if (e && e.preventDefault) e.preventDefault();
    const button = e && e.submitter ? e.submitter : (e && e.currentTarget && e.currentTarget.tagName === 'BUTTON' ? e.currentTarget : null);
    if (button) button.disabled = true;
    try { await fn(e); } catch (err) { toast(err.message); } finally { if (button) button.disabled = false; }
  };
}

// ---- formatting (Asia/Shanghai) ------------------------------------------------------------------

const fmt = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
export function when(iso) { return iso ? fmt.format(new Date(iso)) : '—'; }
// <input type=datetime-local> holds Asia/Shanghai wall time; the API takes ISO with +08:00.
export function toLocalInput(iso) { return iso ? new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 16) : ''; }
export function fromLocalInput(v) { return v ? `${v}:00+08:00` : null; }
// A child is registered by grade or by birth month; staff see whichever the parent gave, and the gender if given.
export function childAge(s) {
  return [s.grade, s.birthYearMonth ? `${s.birthYearMonth} 出生` : null, { male: '男', female: '女' }[s.gender]].filter(Boolean).join(' · ');
}

// ---- routing -------------------------------------------------------------------------------------

const router = { routes: [], login: null, signedIn: null, error: null };

/**
 * Sets the pages: routes are [regex, page(params, ...captures)]; login is shown for #/login; signedIn(me) loads the
 * signed-in staff member (null when not signed in) and shows the header; error(err) renders a failed page.
 */
export function startRouter(options) {
  Object.assign(router, options);
  window.addEventListener('hashchange', route);
  route();
}

/** Renders the page the address names (again): pages call it after a change. */
export async function route() {
  state.timers.forEach(t => { clearTimeout(t); clearInterval(t); });
  state.timers = [];
  const [path, query] = (location.hash || '#/dashboard').split('?');
  if (path === '#/login') return router.login();
  if (!(await router.signedIn(path))) return;
  for (const [re, page] of router.routes) {
    const m = path.match(re);
    if (m) {
      try { await page(new URLSearchParams(query || ''), ...m.slice(1)); } catch (err) { router.error(err); }
      document.body.dataset.page = path.split('/')[1];
      return;
    }
  }
  location.hash = '#/dashboard';
}

/**
 * Units are chosen from the list (GET /api/console/units), never typed: a select adds one, × removes it. The element's
 * values() gives the chosen names in order; the select carries data-unit-picker=name.
 */
export function unitPicker(name, selected, units) {
  const chosen = [...(selected || [])];
  const chips = h('span', { class: 'chips' });
  const select = h('select', { 'data-unit-picker': name, 'aria-label': name });
  const box = h('div', { class: 'unit-picker' }, chips, select);
  box.values = () => [...chosen];
  function render() {
    chips.replaceChildren(...chosen.map((u, i) => h('span', { class: 'chip' }, u,
      h('button', { type: 'button', class: 'ghost', title: `移除 ${u}`, onclick: () => { chosen.splice(i, 1); render(); } }, '×'))));
    select.replaceChildren(h('option', { value: '' }, chosen.length ? '再添加一个单位…' : '从列表中选择单位…'),
      ...units.filter(u => !chosen.includes(u.name)).map(u => h('option', { value: u.name }, u.name)));
  }
  select.addEventListener('change', () => { if (select.value) { chosen.push(select.value); render(); } });
  render();
  return box;
}

// Asia/Shanghai calendar dates as yyyy-MM-dd, whatever the browser's own zone.
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
export function shanghaiDate(iso) { return dayFmt.format(iso ? new Date(iso) : new Date()); }
const timeFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });
export function clock(iso) { return iso ? timeFmt.format(new Date(iso)) : '—'; }
