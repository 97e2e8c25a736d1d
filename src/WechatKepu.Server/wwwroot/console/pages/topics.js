import * as api from '../api.js';
import { h, view, when, badge, field, formValues, guard, toast, can, route, fromLocalInput, CHANNELS } from '../lib.js';

const OFFSETS = [[1440, '开始前 1 天'], [120, '开始前 2 小时'], [60, '开始前 1 小时'], [30, '开始前 30 分钟'], [0, '开始时']];

export async function topicsPage(params) {
  let topics = null;
  try { topics = await api.listTopics(); } catch (err) { if (err.status !== 404) throw err; }
  if (!topics) return view('提醒主题与轮次', h('p', { class: 'muted' }, '提醒主题由提醒模块管理，该模块尚未接入本后台。'));
  const [templates, library, sources] = await Promise.all([
    api.listNoticeTemplates().catch(() => []), api.listTemplates({ channel: 'oa_template' }), api.topicFieldSources()]);
  // The first visit may sync the template library from WeChat: if staff moved on meanwhile, leave their page alone.
  if (!location.hash.startsWith('#/topics')) return;
  const editing = params.get('edit');
  const editor = editing === 'new' ? topicForm(null, library, sources)
    : editing ? topicForm(topics.find(t => String(t.id) === editing), library, sources) : null;
  view('提醒主题与轮次',
    can('organiser') && !editor ? h('a', { class: 'button', href: '#/topics?edit=new', id: 'new-topic' }, '新建主题') : null,
    editor,
    topics.map(t => h('section', { class: 'card topic', 'data-topic': t.name }, h('h2', {}, t.name), h('div', { class: 'muted' }, t.description || ''),
      h('div', {}, `订阅人数 ${t.subscribers}`, ' ', t.canSend ? badge('open') : h('span', { class: 'badge cancelled' }, '无法发送'),
        ' ', h('span', { class: 'muted template-title' }, t.templateTitle ? `模板：${t.templateTitle}` : t.templateId ? `模板 ID：${t.templateId}` : '未选择模板')),
      (t.blockers || []).map(b => h('p', { class: 'error blocker' }, b)),
      (t.warnings || []).map(w => h('p', { class: 'muted' }, w)),
      h('table', {}, h('tr', {}, h('th', {}, '轮次'), h('th', {}, '时间'), h('th', {}, '状态'), h('th', {}, '')),
        t.rounds.map(r => h('tr', {}, h('td', {}, r.title), h('td', {}, when(r.startsAt)), h('td', {}, badge(r.status)),
          h('td', {}, can('organiser') && r.status === 'scheduled' ? h('button', { class: 'ghost', onclick: guard(async () => {
            await api.cancelTopicRound(t.id, r.id);
            route();
          }) }, '取消') : null)))),
      can('organiser') ? roundForm(t) : null,
      can('organiser') ? h('a', { class: 'button ghost', href: `#/topics?edit=${t.id}` }, '编辑') : null)),
    templates.length ? noticeTemplatesSection(templates) : null);
}

function roundForm(topic) {
  const form = h('form', { class: 'inline round-form' },
    field('轮次名称', h('input', { name: 'title', required: true, maxlength: 60, placeholder: '第二期' })),
    field('开始时间', h('input', { name: 'startsAt', type: 'datetime-local', required: true })),
    h('button', { type: 'submit', class: 'ghost' }, '添加轮次'));
  form.addEventListener('submit', guard(async () => {
    const v = formValues(form);
    await api.addTopicRound(topic.id, { title: v.title, startsAt: fromLocalInput(v.startsAt) });
    toast('已添加轮次');
    route();
  }));
  return form;
}

/**
 * A topic's editor: the template is chosen by title from the account's template library, and each field the
 * template shows gets its content from a list (the round's name, its start, the place, the note) or a fixed text.
 */
function topicForm(topic, library, sources) {
  const accounts = library.accounts.filter(a => a.channel === 'oa_template');
  const appSelect = h('select', { name: 'appId' }, accounts.map(a => h('option', { value: a.appId, selected: topic && topic.appId === a.appId }, a.name)));
  const templateSelect = h('select', { name: 'templateId', id: 'topic-template' });
  const fieldsBox = h('div', { id: 'topic-fields' });
  const errorsBox = h('div', { class: 'error', id: 'topic-errors' });
  const preview = h('div', { class: 'phone', id: 'topic-preview' });
  const previewButton = h('button', { type: 'button', class: 'ghost', id: 'topic-preview-button' }, '预览（粉丝看到的提醒）');
  let chosenFields = [];

  const fillTemplates = () => {
    const usable = library.templates.filter(t => t.appId === appSelect.value && !t.gone);
    const current = topic && topic.appId === appSelect.value ? topic.templateId : '';
    templateSelect.replaceChildren(h('option', { value: '' }, '请选择模板'),
      ...usable.map(t => h('option', { value: t.templateId, selected: t.templateId === current }, t.title)));
    fillFields();
  };
  const fillFields = () => {
    const template = library.templates.find(t => t.appId === appSelect.value && t.templateId === templateSelect.value);
    chosenFields = template ? template.fields.filter(f => f.shown) : [];
    const saved = (topic && topic.templateId === templateSelect.value && topic.templateFields) || {};
    fieldsBox.replaceChildren(...chosenFields.flatMap(f => {
      const value = saved[f.key] || '';
      const isText = value.startsWith('text:');
      const select = h('select', { name: `source:${f.key}`, 'aria-label': f.label },
        h('option', { value: '' }, '请选择内容'),
        sources.map(s => h('option', { value: s.value, selected: isText ? s.value === 'text:' : s.value === value }, s.label)));
      const text = h('input', { name: `text:${f.key}`, value: isText ? value.slice(5) : '', placeholder: f.rule, maxlength: f.max, hidden: !isText,
        'aria-label': `${f.label}的固定文字` });
      select.addEventListener('change', () => { text.hidden = select.value !== 'text:'; });
      return [h('div', { class: 'field-row', 'data-field': f.key }, h('span', {}, f.label, h('div', { class: 'muted' }, `${f.kindName}：${f.rule}`)), select, text)];
    }));
    if (templateSelect.value && !chosenFields.length) fieldsBox.replaceChildren(h('p', { class: 'muted' }, '该模板没有可填写的字段。'));
  };
  appSelect.addEventListener('change', fillTemplates);
  templateSelect.addEventListener('change', fillFields);

  const form = h('form', { class: 'stack card', id: 'topic-form' },
    h('h2', {}, topic ? `编辑主题：${topic.name}` : '新建提醒主题'),
    field('公众号', appSelect),
    field('主题名称（粉丝发送“订阅 名称”订阅）', h('input', { name: 'name', required: true, maxlength: 30, value: topic ? topic.name : '' })),
    field('说明', h('input', { name: 'description', maxlength: 200, value: topic ? topic.description : '' })),
    field('提醒时间', h('select', { name: 'offsetMinutes' }, OFFSETS.map(([m, label]) => h('option', { value: m, selected: (topic ? topic.offsetMinutes : 1440) === m }, label)))),
    field('消息模板（从模板库选择；没有合适的模板请先在“消息模板”页同步）', templateSelect),
    h('div', {}, h('span', { class: 'muted' }, '模板各字段放什么内容：'), fieldsBox),
    h('label', {}, h('input', { type: 'checkbox', name: 'enabled', checked: topic ? topic.enabled : true }), ' 启用'),
    errorsBox,
    h('div', { class: 'inline' }, h('button', { type: 'submit' }, '保存'), previewButton, h('a', { class: 'button ghost', href: '#/topics' }, '取消')),
    preview);
  const body = () => {
    const v = formValues(form);
    const templateFields = Object.fromEntries(chosenFields.map(f => {
      const source = form.elements[`source:${f.key}`].value;
      return [f.key, source === 'text:' ? `text:${form.elements[`text:${f.key}`].value.trim()}` : source];
    }));
    return { appId: v.appId, name: v.name, description: v.description, activityId: topic ? topic.activityId : null, templateId: v.templateId,
      offsetMinutes: Number(v.offsetMinutes), url: topic ? topic.url : null, enabled: v.enabled, templateFields };
  };
  // Field problems are shown under the form, each with its field's label.
  const showing = async (call) => {
    errorsBox.textContent = '';
    try { return await call(); } catch (err) {
      if (!(err.problem && err.problem.errors)) throw err;
      const labels = Object.fromEntries(chosenFields.map(f => [`templateFields.${f.key}`, f.label]));
      errorsBox.replaceChildren(...Object.entries(err.problem.errors).map(([k, m]) => h('div', {}, labels[k] ? `${labels[k]}：${m.join('；')}` : m.join('；'))));
      return undefined;
    }
  };
  previewButton.addEventListener('click', guard(async () => {
    preview.replaceChildren();
    const p = await showing(() => api.previewTopic(body()));
    if (p) preview.replaceChildren(h('strong', {}, p.title), ...p.lines.map(l => h('div', {}, h('span', { class: 'muted' }, `${l.label}：`), l.value)));
  }));
  form.addEventListener('submit', guard(async () => {
    const b = body();
    if (await showing(() => (topic ? api.updateTopic(topic.id, b) : api.createTopic(b))) === undefined) return;
    toast('已保存');
    location.hash = '#/topics';
  }));
  fillTemplates();
  return form;
}

// Which keyword of each notice's template carries the activity, time, place and note. WeChat shows no first/remark
// and at most 20 characters a field since 2023-05-04, so everything that matters goes into keyword fields.
export function noticeTemplatesSection(templates) {
  const roles = [['activity', '活动'], ['time', '时间'], ['place', '地点'], ['note', '说明']];
  return [h('h2', {}, '通知模板字段'),
    h('p', { class: 'muted' }, '微信自 2023 年 5 月起不显示 first、remark，每个字段只显示一行 20 个字。模板库中有的模板按字段名称选择；其他模板请填写字段名（如 thing1、time2、keyword3）。'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'notice-templates' },
      h('tr', {}, h('th', {}, '通知'), h('th', {}, '渠道 / 模板'), ...roles.map(([, label]) => h('th', {}, label)), h('th', {}, '示例（家长看到的）'), h('th', {}, '')),
      templates.map(t => {
        // A template the library holds offers its fields by name; otherwise the key is typed as before.
        const inputs = roles.map(([role]) => t.templateFields
          ? h('select', { name: role, 'aria-label': role }, h('option', { value: '' }, '不使用'),
            t.templateFields.map(f => h('option', { value: f.key, selected: t.fields[role] === f.key }, `${f.label}（${f.kindName}）`)))
          : h('input', { name: role, value: t.fields[role] || '', size: 10, 'aria-label': role }));
        return h('tr', { 'data-purpose': t.purpose, 'data-channel': t.channel },
          h('td', {}, t.name), h('td', {}, CHANNELS[t.channel] || t.channel, h('div', { class: 'muted' }, t.templateTitle || t.templateId || (t.purpose === 'topic_round' ? '模板在各主题中选择' : '未配置模板')),
            t.templateGone ? h('div', { class: 'error' }, '该模板已从微信后台删除') : null),
          ...inputs.map(i => h('td', {}, i)),
          h('td', {}, Object.values(t.example).map(v => h('div', {}, v))),
          can('organiser') ? h('td', {}, h('button', { class: 'ghost', onclick: guard(async () => {
            const body = Object.fromEntries(inputs.map(i => [i.name, i.value.trim()]));
            await api.saveNoticeTemplate(t.purpose, t.channel, body);
            toast('已保存');
            route();
          }) }, '保存')) : h('td', {}));
      })))];
}
