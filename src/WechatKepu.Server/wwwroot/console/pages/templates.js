// 消息模板: the template library — both accounts' template lists as WeChat has them, each template's form made from
// its fields (WeChat's rule per field kind beside each) and a preview of the message as the follower's phone shows it.
import * as api from '../api.js';
import { h, view, when, field, guard, toast, can, route, CHANNELS } from '../lib.js';

export async function templatesPage(params) {
  const library = await api.listTemplates();
  // The first visit syncs from WeChat, which takes a moment: if staff moved on meanwhile, leave their page alone.
  if (!location.hash.startsWith('#/templates')) return;
  const selected = Number(params.get('id')) || null;
  const accounts = h('div', { class: 'table-wrap' }, h('table', { id: 'template-accounts' },
    h('tr', {}, h('th', {}, '账号'), h('th', {}, '类型'), h('th', {}, '上次同步'), h('th', {}, '')),
    library.accounts.map(a => h('tr', { 'data-app': a.appId },
      h('td', {}, a.name), h('td', {}, CHANNELS[a.channel] || a.channel),
      h('td', {}, a.lastSynced ? when(a.lastSynced) : '从未同步', a.error ? h('div', { class: 'error' }, a.error) : null),
      h('td', {}, can('organiser') ? h('button', { class: 'ghost', onclick: guard(async () => {
        const [result] = await api.syncTemplates(a.appId);
        toast(result && result.error ? result.error : `已同步：${result ? result.listed : 0} 个模板`);
        route();
      }) }, '从微信同步') : null)))));
  const rows = library.templates.map(t => h('tr', { 'data-template': t.title, class: t.gone ? 'gone' : null },
    h('td', {}, h('a', { href: `#/templates?id=${t.id}` }, t.title), t.gone ? h('span', { class: 'badge cancelled' }, '已从微信删除') : null),
    h('td', {}, t.accountName, h('div', { class: 'muted' }, CHANNELS[t.channel] || t.channel, t.subscribeType === 3 ? '（长期）' : t.subscribeType === 2 ? '（一次性）' : '')),
    h('td', {}, t.fields.filter(f => f.shown).map(f => `${f.label}（${f.kindName}）`).join('、')),
    h('td', {}, t.topics ? `${t.topics} 个提醒主题` : '')));
  const chosen = library.templates.find(t => t.id === selected);
  view('消息模板',
    h('p', { class: 'muted' }, '公众号模板消息和小程序订阅消息的模板，从微信后台同步而来。提醒主题和通知从这里选用模板；微信后台删除的模板会标为“已从微信删除”，用到它的主题将停止提醒。'),
    accounts,
    h('div', { class: 'table-wrap' }, h('table', { id: 'templates' },
      h('tr', {}, h('th', {}, '模板'), h('th', {}, '账号'), h('th', {}, '字段'), h('th', {}, '使用')), rows)),
    chosen ? templateForm(chosen) : null);
}

/** The form a template's fields make, with WeChat's rule per field and a preview of what the follower sees. */
export function templateForm(t) {
  const shown = t.fields.filter(f => f.shown);
  const inputs = shown.map(f => f.enumValues
    ? h('select', { name: f.key }, f.enumValues.map(v => h('option', { value: v }, v)))
    : h('input', { name: f.key, maxlength: f.max, placeholder: f.rule }));
  const errors = shown.map(f => h('div', { class: 'error', 'data-error': f.key }));
  const preview = h('div', { class: 'phone', id: 'template-preview' });
  const form = h('form', { class: 'stack card', id: 'template-form' },
    h('h2', {}, t.title),
    t.example ? h('pre', { class: 'muted' }, t.example) : null,
    shown.map((f, i) => h('div', {}, field(`${f.label}（${f.kindName}：${f.rule}）`, inputs[i]), errors[i])),
    t.fields.some(f => !f.shown) ? h('p', { class: 'muted' }, '该模板的 first、remark 字段自 2023 年 5 月起微信不再显示，不必填写。') : null,
    h('button', { type: 'submit' }, '预览'), preview);
  form.addEventListener('submit', guard(async () => {
    errors.forEach(e => { e.textContent = ''; });
    preview.replaceChildren();
    const data = Object.fromEntries(inputs.map(i => [i.name, i.value.trim()]));
    try {
      const p = await api.previewTemplate(t.id, data);
      preview.replaceChildren(h('strong', {}, p.title), ...p.lines.map(l => h('div', {}, h('span', { class: 'muted' }, `${l.label}：`), l.value)));
    } catch (err) {
      const fieldErrors = err.problem && err.problem.errors;
      if (!fieldErrors) throw err;
      for (const [name, messages] of Object.entries(fieldErrors)) {
        const target = errors.find(e => `data.${e.dataset.error}` === name);
        if (target) target.textContent = messages.join('；'); else toast(messages.join('；'));
      }
    }
  }));
  return form;
}
