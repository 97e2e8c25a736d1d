import * as api from '../api.js';
import { imagePicker } from './articles.js';
import { state, h, view, when, field, formValues, guard, toast, route, toLocalInput, fromLocalInput } from '../lib.js';

export async function repliesPage(params) {
  const accounts = await api.replyAccounts();
  if (!accounts.length) return view('关键词回复与欢迎语', h('p', { class: 'muted' }, '尚未配置公众号（Wechat:OfficialAccounts）。'));
  const appId = params.get('app') || accounts[0].appId;
  const [rules, settings, images] = await Promise.all([api.replyRules(appId), api.replySettings(appId), api.listMedia('cover', appId).catch(() => [])]);
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
  // One form adds a rule or, after 编辑, changes that rule: keyword, match, reply, priority, on/off and the active window.
  const editing = rules.find(r => String(r.id) === params.get('rule'));
  // The reply is a text, an uploaded image (chosen from the account's images, or uploaded here) or a news card of one article.
  const kindOf = editing ? editing.replyKind : 'text';
  const replyKind = h('select', { name: 'replyKind', id: 'reply-kind' },
    [['text', '文字'], ['image', '图片'], ['news', '图文（一篇）']].map(([v, t]) => h('option', { value: v, selected: kindOf === v }, t)));
  const image = h('select', { name: 'imageId', id: 'reply-image' }, h('option', { value: '' }, '选择已上传的图片'),
    images.map(m => h('option', { value: String(m.id), selected: editing && editing.imageId === m.id }, `${m.fileName}（${when(m.createdAt)}）`)));
  const news = (editing && editing.news) || {};
  const parts = {
    text: field('回复内容（文字；微信最多显示 2048 字节）', h('textarea', { name: 'replyText' }, editing && editing.replyText ? editing.replyText : '')),
    image: h('div', { class: 'inline' }, field('图片', image),
      field('或上传新图片（JPG/PNG）', imagePicker('cover', 'reply-image-upload', asset => {
        image.append(h('option', { value: String(asset.id) }, asset.fileName));
        image.value = String(asset.id);
        toast('图片已上传');
      }, appId))),
    news: h('div', { class: 'fields' },
      field('图文标题（≤64字）', h('input', { name: 'newsTitle', maxlength: 64, value: news.title || '' })),
      field('摘要（≤120字，可不填）', h('input', { name: 'newsDescription', maxlength: 120, value: news.description || '' })),
      field('链接', h('input', { name: 'newsUrl', placeholder: 'https://', value: news.url || '' })),
      field('图片链接（可不填）', h('input', { name: 'newsPicUrl', placeholder: 'https://', value: news.picUrl || '' }))),
  };
  const onKind = () => Object.entries(parts).forEach(([k, el]) => { el.hidden = k !== replyKind.value; });
  replyKind.addEventListener('change', onKind);
  onKind();
  const ruleForm = h('form', { class: 'stack card', id: 'reply-rule' },
    h('h2', {}, editing ? `编辑规则：${editing.keyword}` : '添加关键词规则'),
    h('div', { class: 'inline' },
      field('关键词', h('input', { name: 'keyword', required: true, maxlength: 60, value: editing ? editing.keyword : '' })),
      field('匹配方式', h('select', { name: 'matchKind' },
        h('option', { value: 'exact', selected: editing && editing.matchKind === 'exact' }, '完全匹配'),
        h('option', { value: 'contains', selected: editing && editing.matchKind === 'contains' }, '包含'))),
      field('优先级', h('input', { name: 'priority', type: 'number', value: editing ? String(editing.priority) : '0' }))),
    field('回复类型', replyKind),
    ...Object.values(parts),
    h('div', { class: 'inline' },
      field('生效开始（可不填）', h('input', { name: 'activeFrom', type: 'datetime-local', value: editing ? toLocalInput(editing.activeFrom) : '' })),
      field('生效结束（可不填）', h('input', { name: 'activeUntil', type: 'datetime-local', value: editing ? toLocalInput(editing.activeUntil) : '' })),
      h('label', {}, h('input', { type: 'checkbox', name: 'enabled', checked: editing ? editing.enabled : true }), ' 启用')),
    h('p', { class: 'muted' }, '内置指令（活动、科普日、报名、帮助、菜单、订阅、退订、我的订阅）不能用作关键词。图片回复用上传到本公众号的图片；图文回复只含一篇，点击打开链接。'),
    h('div', { class: 'inline' }, h('button', { type: 'submit' }, editing ? '保存修改' : '添加规则'),
      editing ? h('a', { class: 'button ghost', href: `#/replies?app=${encodeURIComponent(appId)}` }, '取消') : null));
  ruleForm.addEventListener('submit', guard(async () => {
    const v = formValues(ruleForm);
    const body = { keyword: v.keyword, matchKind: v.matchKind, priority: Number(v.priority || 0), enabled: v.enabled,
      activeFrom: fromLocalInput(v.activeFrom), activeUntil: fromLocalInput(v.activeUntil), ...replyOf(v) };
    if (editing) await api.updateReplyRule(appId, editing.id, body); else await api.createReplyRule(appId, body);
    toast('已保存');
    if (editing) location.hash = `#/replies?app=${encodeURIComponent(appId)}`; else route();
  }));
  const toggle = r => guard(async () => {
    await api.updateReplyRule(appId, r.id, { keyword: r.keyword, matchKind: r.matchKind, replyKind: r.replyKind, replyText: r.replyText,
      imageId: r.imageId, news: r.news, priority: r.priority, enabled: !r.enabled, activeFrom: r.activeFrom, activeUntil: r.activeUntil });
    route();
  });
  const activeWindow = r => r.activeFrom || r.activeUntil ? h('div', { class: 'muted' }, `${r.activeFrom ? when(r.activeFrom) : '即日'} 至 ${r.activeUntil ? when(r.activeUntil) : '长期'}`) : null;
  // They answer every follower of the account: only an admin changes them.
  const admin = state.me.role === 'admin';
  const readOnly = h('p', { class: 'muted', id: 'reply-admin-only' }, '欢迎语、默认回复和关键词回复作用于整个公众号，只有管理员可以修改。');
  view('关键词回复与欢迎语', picker, admin ? settingsForm : readOnly, admin ? ruleForm : null, h('div', { class: 'table-wrap' }, h('table', { id: 'reply-rules' },
    h('tr', {}, h('th', {}, '关键词'), h('th', {}, '匹配'), h('th', {}, '回复'), h('th', {}, '优先级'), h('th', {}, '状态'), h('th', {}, '')),
    rules.map(r => h('tr', { 'data-rule': r.keyword }, h('td', {}, r.keyword, activeWindow(r)), h('td', {}, r.matchKind === 'exact' ? '完全匹配' : '包含'), h('td', {}, replyCell(r)),
      h('td', {}, String(r.priority)), h('td', {}, r.neverAnswers ? h('span', { class: 'badge failed', title: r.neverAnswers }, '不会生效') : (r.enabled ? '启用' : '停用'),
        r.neverAnswers ? h('div', { class: 'muted rule-never' }, r.neverAnswers) : null),
      h('td', {}, admin ? h('a', { class: 'button ghost', href: `#/replies?app=${encodeURIComponent(appId)}&rule=${r.id}` }, '编辑') : null,
        admin ? h('button', { class: 'ghost', onclick: toggle(r) }, r.enabled ? '停用' : '启用') : null,
        admin ? h('button', { class: 'ghost', onclick: guard(async () => { await api.deleteReplyRule(appId, r.id); route(); }) }, '删除') : null))))));
}

// Only the chosen kind's fields go to the server: it refuses a rule that carries another kind's.
function replyOf(v) {
  if (v.replyKind === 'image') return { replyKind: 'image', imageId: Number(v.imageId) || null };
  if (v.replyKind === 'news') return { replyKind: 'news', news: { title: v.newsTitle, description: v.newsDescription || null, url: v.newsUrl, picUrl: v.newsPicUrl || null } };
  return { replyKind: 'text', replyText: v.replyText };
}

function replyCell(r) {
  if (r.replyKind === 'image') return r.imageUrl ? h('img', { src: r.imageUrl, class: 'thumb', alt: '图片回复' }) : '图片';
  if (r.replyKind === 'news' && r.news) return h('span', {}, `图文：${r.news.title} `, h('span', { class: 'muted' }, r.news.url));
  return r.replyText;
}
