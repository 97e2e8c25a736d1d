// 自定义菜单: the official account's menu, checked against WeChat's limits before it is sent.
import * as api from '../api.js';
import { state, h, view, when, field, guard, toast, route } from '../lib.js';

const MENU_KINDS = { command: '指令', reply: '关键词回复', view: '网页', miniprogram: '小程序页面', group: '子菜单' };
const utf8Bytes = (s) => new TextEncoder().encode(s || '').length;

// WeChat's limits, as the server checks them: a Chinese message per problem, empty when the menu may be sent.
export function menuProblems(buttons, limits) {
  const out = [];
  if (!buttons.length) out.push('菜单至少要有 1 个按钮。');
  if (buttons.length > limits.maxButtons) out.push(`一级菜单最多 ${limits.maxButtons} 个。`);
  const check = (b, top) => {
    const max = top ? limits.maxNameBytes : limits.maxChildNameBytes;
    const what = top ? '一级菜单' : '子菜单';
    const name = (b.name || '').trim();
    if (!name) out.push(`请填写${what}名称。`);
    else if (utf8Bytes(name) > max) out.push(`${what}名称「${name}」太长：微信限 ${max} 字节（约 ${Math.floor(max / 3)} 个汉字），现在 ${utf8Bytes(name)} 字节。`);
    if (b.kind === 'group') {
      if (!top) out.push('子菜单下不能再有子菜单。');
      const n = (b.children || []).length;
      if (n < 1 || n > limits.maxChildren) out.push(`「${name}」的子菜单应有 1 到 ${limits.maxChildren} 个，现在有 ${n} 个。`);
      (b.children || []).forEach(c => check(c, false));
    } else if (b.kind === 'command' && !b.command) out.push(`请为「${name}」选择一个指令。`);
    else if (b.kind === 'reply' && !b.replyRuleId) out.push(`请为「${name}」选择一条关键词回复。`);
    else if (b.kind === 'view' && !/^https?:\/\/\S+$/.test(b.url || '')) out.push(`「${name}」的网址应以 http:// 或 https:// 开头。`);
    else if (b.kind === 'view' && utf8Bytes(b.url) > limits.maxUrlBytes) out.push(`「${name}」的网址太长：微信限 ${limits.maxUrlBytes} 字节。`);
    else if (b.kind === 'miniprogram' && !b.page) out.push(`请为「${name}」选择一个小程序页面。`);
  };
  buttons.forEach(b => check(b, true));
  return out;
}

export async function wechatMenuPage(params) {
  const accounts = await api.replyAccounts();
  if (!accounts.length) return view('自定义菜单', h('p', { class: 'muted' }, '尚未配置公众号。'));
  const appId = params.get('app') || accounts[0].appId;
  const [options, rules, menu] = await Promise.all([
    api.menuOptions(), api.replyRules(appId), api.getMenu(appId)]);
  const admin = state.me.role === 'admin';
  const buttons = menu.buttons.map(b => ({ ...b, children: b.children ? b.children.map(c => ({ ...c })) : undefined }));
  const errors = h('ul', { class: 'error', id: 'wxmenu-errors' });
  const editor = h('div', { id: 'wxmenu-editor' });
  const preview = h('div', { class: 'wxmenu-preview', id: 'wxmenu-preview' });
  const status = h('p', { id: 'wxmenu-status', class: 'muted' }, menu.publishedAt ? `已于 ${when(menu.publishedAt)} 发布到微信。`
    : menu.publishError ? `已保存，未发布：${menu.publishError}` : menu.buttons.length ? '已保存，当前未在微信上发布。' : '本公众号还没有通过本系统发布菜单。');

  const picker = accounts.length > 1 ? field('公众号', h('select', { onchange: e => { location.hash = `#/menu?app=${e.target.value}`; } },
    accounts.map(a => h('option', { value: a.appId, selected: a.appId === appId }, a.name || a.appId)))) : h('p', { class: 'muted' }, `公众号：${accounts[0].name || appId}`);

  const kindFields = (b, top) => {
    switch (b.kind) {
      case 'command': return field('指令', h('select', { name: 'command', onchange: e => { b.command = e.target.value; render(); } },
        h('option', { value: '' }, '请选择'), options.commands.map(c => h('option', { value: c.value, selected: b.command === c.value }, `「${c.label}」`))));
      case 'reply': return field('关键词回复', h('select', { name: 'rule', onchange: e => { b.replyRuleId = Number(e.target.value) || null; render(); } },
        h('option', { value: '' }, rules.length ? '请选择' : '（还没有关键词回复）'),
        rules.map(r => h('option', { value: r.id, selected: b.replyRuleId === r.id }, `${r.keyword}${r.enabled ? '' : '（已停用）'}`))));
      case 'view': return field('网址', h('input', { name: 'url', value: b.url || '', placeholder: 'https://', oninput: e => { b.url = e.target.value.trim(); refresh(); } }));
      case 'miniprogram': return options.miniProgramConfigured
        ? field('小程序页面', h('select', { name: 'page', onchange: e => { b.page = e.target.value; render(); } },
          h('option', { value: '' }, '请选择'), options.pages.map(p => h('option', { value: p.value, selected: b.page === p.value }, p.label))))
        : h('p', { class: 'error' }, '尚未配置小程序。');
      case 'group': return top ? null : h('p', { class: 'error' }, '子菜单下不能再有子菜单。');
      default: return null;
    }
  };

  const row = (b, list, index, top) => {
    const max = top ? options.limits.maxNameBytes : options.limits.maxChildNameBytes;
    const counter = h('small', { class: 'muted bytes' }, `${utf8Bytes(b.name)}/${max} 字节`);
    const kinds = Object.entries(MENU_KINDS).filter(([k]) => top || k !== 'group');
    return h('div', { class: top ? 'card wxmenu-button' : 'wxmenu-child', 'data-index': index },
      h('div', { class: 'fields' },
        field(top ? `一级菜单 ${index + 1} 名称` : `子菜单 ${index + 1} 名称`, h('div', {},
          h('input', { name: 'name', value: b.name || '', oninput: e => { b.name = e.target.value; counter.textContent = `${utf8Bytes(b.name)}/${max} 字节`; refresh(); } }), counter)),
        field('类型', h('select', { name: 'kind', onchange: e => {
          b.kind = e.target.value;
          if (b.kind === 'group' && !b.children) b.children = [];
          render();
        } }, h('option', { value: '' }, '请选择'), kinds.map(([k, t]) => h('option', { value: k, selected: b.kind === k }, t)))),
        kindFields(b, top)),
      b.kind === 'group' && top ? h('div', { class: 'wxmenu-children' },
        b.children.map((c, j) => row(c, b.children, j, false)),
        b.children.length < options.limits.maxChildren ? h('button', { type: 'button', class: 'ghost wxmenu-add-child', onclick: () => { b.children.push({ name: '', kind: '' }); render(); } }, '添加子菜单') : null) : null,
      h('div', { class: 'actions' },
        index > 0 ? h('button', { type: 'button', class: 'ghost', onclick: () => { list.splice(index - 1, 0, list.splice(index, 1)[0]); render(); } }, '上移') : null,
        h('button', { type: 'button', class: 'ghost wxmenu-remove', onclick: () => { list.splice(index, 1); render(); } }, '删除此按钮')));
  };

  function refresh() {
    const problems = menuProblems(buttons, options.limits);
    errors.replaceChildren(...problems.map(p => h('li', {}, p)));
    preview.replaceChildren(...buttons.map(b => h('div', { class: 'wxmenu-slot' },
      b.kind === 'group' ? h('div', { class: 'wxmenu-sub' }, (b.children || []).map(c => h('div', {}, c.name || '（未命名）'))) : null,
      h('span', {}, (b.kind === 'group' ? '≡ ' : '') + (b.name || '（未命名）')))));
    return problems;
  }

  function render() {
    editor.replaceChildren(...buttons.map((b, i) => row(b, buttons, i, true)),
      ...(buttons.length < options.limits.maxButtons ? [h('button', { type: 'button', class: 'ghost', id: 'wxmenu-add', onclick: () => { buttons.push({ name: '', kind: '' }); render(); } }, '添加一级菜单')] : []));
    refresh();
  }

  const publish = h('button', { id: 'wxmenu-publish', onclick: guard(async () => {
    if (refresh().length) { toast('菜单还不符合微信的要求，请按红字修改。'); return; }
    const saved = await api.publishMenu(appId, buttons);
    status.textContent = `已于 ${when(saved.publishedAt)} 发布到微信。关注者重新进入公众号后即可看到（最多约 5 分钟）。`;
    toast('菜单已发布');
  }) }, '检查并发布到微信');
  const remove = h('button', { class: 'danger', id: 'wxmenu-delete', onclick: guard(async () => {
    if (!confirm('确定从微信上删除本公众号的自定义菜单吗？已保存的按钮会保留，之后可再次发布。')) return;
    await api.deleteMenu(appId);
    toast('菜单已从微信删除');
    route();
  }) }, '从微信删除菜单');

  if (!admin) {
    view('自定义菜单', picker, status, h('p', { class: 'muted', id: 'wxmenu-admin-only' }, '自定义菜单作用于整个公众号，只有管理员可以修改。'), preview);
    refresh();
    return;
  }
  view('自定义菜单', picker,
    h('p', { class: 'muted' }, `最多 ${options.limits.maxButtons} 个一级菜单、每个最多 ${options.limits.maxChildren} 个子菜单；一级菜单名最多 ${options.limits.maxNameBytes} 字节（约 5 个汉字），子菜单名最多 ${options.limits.maxChildNameBytes} 字节。点击「指令」或「关键词回复」按钮时，公众号的回答与关注者发送该文字相同。`),
    status, h('div', { class: 'wxmenu-layout' }, editor, h('div', {}, h('h2', {}, '预览'), preview)), errors,
    h('div', { class: 'actions' }, publish, remove));
  render();
}
