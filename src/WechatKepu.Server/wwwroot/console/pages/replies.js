import * as api from '../api.js';
import { state, h, view, field, formValues, guard, toast, route } from '../lib.js';

export async function repliesPage(params) {
  const accounts = await api.replyAccounts();
  if (!accounts.length) return view('关键词回复与欢迎语', h('p', { class: 'muted' }, '尚未配置公众号（Wechat:OfficialAccounts）。'));
  const appId = params.get('app') || accounts[0].appId;
  const [rules, settings] = await Promise.all([api.replyRules(appId), api.replySettings(appId)]);
  const picker = h('div', { class: 'inline' }, accounts.map(a =>
    h('a', { class: `button ${a.appId === appId ? '' : 'ghost'}`, href: `#/replies?app=${encodeURIComponent(a.appId)}` }, a.name || a.appId)));
  const settingsForm = h('form', { class: 'stack card', id: 'reply-settings' },
    field('关注后欢迎语（留空用默认）', h('textarea', { name: 'welcomeText' }, settings.welcomeText || '')),
    field('无匹配时的默认回复（留空用默认）', h('textarea', { name: 'defaultText' }, settings.defaultText || '')),
    h('button', { type: 'submit' }, '保存'));
  settingsForm.addEventListener('submit', guard(async () => {
    const v = formValues(settingsForm);
    await api.saveReplySettings(appId, { welcomeText: v.welcomeText || null, defaultText: v.defaultText || null });
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
    await api.createReplyRule(appId, { ...v, priority: Number(v.priority || 0), enabled: true });
    route();
  }));
  const toggle = r => guard(async () => {
    await api.updateReplyRule(appId, r.id, { keyword: r.keyword, matchKind: r.matchKind, replyText: r.replyText, priority: r.priority,
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
        admin ? h('button', { class: 'ghost', onclick: guard(async () => { await api.deleteReplyRule(appId, r.id); route(); }) }, '删除') : null))))));
}
