// 活动总结 (section 七 of the plan): each activity's summary with photos, filed by its organiser before the
// campaign's deadline; for admins the units that have not filed, reminding them, the workbook and the 表彰 page.
import * as api from '../api.js';
import { state, h, view, when, field, formValues, guard, toast, route, fromLocalInput, toLocalInput } from '../lib.js';

const MAX_PHOTOS = 9;
const MAX_PHOTO_BYTES = 2 * 1024 * 1024;

const isAdmin = () => state.me.role === 'admin';
const percent = v => (v === null || v === undefined ? '—' : `${v}%`);
const held = s => (s.heldFrom === s.heldTo ? s.heldFrom : `${s.heldFrom} 至 ${s.heldTo}`);

function chosenCampaign(campaigns, params) {
  return campaigns.find(c => String(c.id) === params.get('campaign')) || campaigns.find(c => c.open) || campaigns[0];
}

/** The organiser's reminder on every page: activities of their unit still to file in a campaign that is open. */
export async function summaryBanner() {
  const banner = document.getElementById('summary-banner');
  if (!banner) return;
  const due = state.me && state.me.role !== 'admin' && state.me.unit ? await api.summariesDue().catch(() => []) : [];
  banner.hidden = due.length === 0;
  banner.replaceChildren(...due.map(d => h('p', {},
    `活动总结待报送：本单位在「${d.name}」中还有 ${d.missing} 项活动未提交总结，截止 ${d.deadlineText}。`,
    h('a', { href: `#/summaries?campaign=${d.campaignId}` }, '去填报'))));
}

export async function summariesPage(params) {
  const campaigns = await api.summaryCampaigns();
  const campaign = chosenCampaign(campaigns, params);
  if (!campaign) { view('活动总结', h('p', { class: 'muted' }, '尚未设置总结工作。')); return; }
  const [rows, units] = await Promise.all([api.summaryActivities(campaign.id), isAdmin() ? api.summaryUnits(campaign.id) : null]);

  const tabs = h('p', { class: 'actions' }, campaigns.map(c =>
    h('a', { class: c.id === campaign.id ? 'button' : 'button ghost', href: `#/summaries?campaign=${c.id}` }, `${c.name}（截止 ${c.deadlineText}）`)));
  const status = h('p', { id: 'summary-deadline', class: campaign.open ? 'result ok' : 'result warn' },
    campaign.open ? `${campaign.name}活动总结：请于 ${campaign.deadlineText} 前提交，截止前可修改。`
      : `${campaign.name}活动总结已于 ${campaign.deadlineText} 截止，如需补报请联系管理员。`);

  const search = h('input', { id: 'summary-search', type: 'search', placeholder: '按活动名称、编号或单位查找', value: params.get('q') || '' });
  const table = h('table', { id: 'summary-activities' });
  function render() {
    const q = search.value.trim();
    const shown = rows.filter(r => !q || [r.title, r.code, ...r.units].some(t => t.includes(q)));
    table.replaceChildren(
      h('tr', {}, ['编号', '活动', '负责单位', '场次', '报名', '签到', '参与人数', '总结', ''].map(t => h('th', {}, t))),
      ...shown.map(r => h('tr', { 'data-id': r.id },
        h('td', {}, r.code), h('td', {}, r.title), h('td', {}, r.units.join('、')),
        h('td', {}, String(r.sessions)), h('td', {}, String(r.signups)), h('td', {}, String(r.checkins)),
        h('td', {}, r.participants === null ? '—' : String(r.participants)),
        h('td', {}, h('span', { class: `badge ${r.filed ? 'completed' : 'draft'}` }, r.filed ? '已报送' : '未报送')),
        h('td', {}, h('a', { href: `#/summary/${campaign.id}/${r.id}` },
          state.me.role === 'viewer' || (!campaign.open && !isAdmin()) ? '查看' : r.filed ? '修改总结' : '填写总结')))));
    if (shown.length === 0) table.append(h('tr', {}, h('td', { colspan: 9, class: 'muted' }, rows.length ? '没有符合条件的活动。' : '本项工作中没有本单位的活动。')));
  }
  search.addEventListener('input', render);
  render();

  view('活动总结', tabs, status,
    isAdmin() ? adminTools(campaign, units) : null,
    h('div', { class: 'card' }, h('h2', {}, state.me.role === 'organiser' ? '本单位的活动' : '活动'), search, h('div', { class: 'table-wrap' }, table)));
}

function adminTools(campaign, units) {
  const missing = units.filter(u => u.missing.length > 0);
  const deadlineForm = h('form', { class: 'inline', id: 'summary-campaign-form' },
    field('周期开始', h('input', { name: 'periodFrom', type: 'date', value: campaign.periodFrom, required: true })),
    field('周期结束', h('input', { name: 'periodTo', type: 'date', value: campaign.periodTo, required: true })),
    field('截止时间', h('input', { name: 'deadline', type: 'datetime-local', value: toLocalInput(campaign.deadline), required: true })),
    h('button', { type: 'submit', class: 'ghost' }, '保存截止时间'));
  deadlineForm.addEventListener('submit', guard(async () => {
    const v = formValues(deadlineForm);
    const saved = await api.updateSummaryCampaign(campaign.id, { periodFrom: v.periodFrom, periodTo: v.periodTo, deadline: fromLocalInput(v.deadline) });
    toast(`截止时间已改为 ${saved.deadlineText}`);
    route();
  }));
  const remind = h('button', { id: 'summary-remind', type: 'button', disabled: missing.length === 0 }, '提醒未报送单位');
  remind.addEventListener('click', guard(async () => {
    const r = await api.remindSummaryUnits(campaign.id);
    toast(`已提醒 ${r.units} 个单位的 ${r.organisers} 位组织者（控制台提示）${r.byWechat ? `，其中 ${r.byWechat} 位将收到微信消息` : ''}`);
  }));
  return h('div', { class: 'card' },
    h('h2', {}, '报送情况'),
    h('p', {}, `负责单位 ${units.length} 个，已全部报送 ${units.length - missing.length} 个，未报送 ${missing.length} 个。`),
    h('p', { class: 'actions' },
      h('a', { class: 'button', id: 'summary-export', href: api.summaryExportUrl(campaign.id), download: `${campaign.code}-summary.xlsx` }, '导出汇总表（Excel）'),
      h('a', { class: 'button ghost', id: 'summary-awards', href: `#/awards/${campaign.id}` }, '表彰评审材料（可打印）'),
      remind),
    missing.length === 0 ? h('p', { class: 'result ok' }, '所有单位均已报送。') : h('div', { class: 'table-wrap' }, h('table', { id: 'summary-missing' },
      h('tr', {}, ['未报送单位', '未报送 / 负责', '未报送的活动', '组织者（微信可提醒 ✓）'].map(t => h('th', {}, t))),
      missing.map(u => h('tr', { 'data-unit': u.unit },
        h('td', {}, u.unit), h('td', {}, `${u.missing.length} / ${u.activities}`),
        h('td', {}, u.missing.map(m => h('div', {}, `${m.code} ${m.title}`))),
        h('td', {}, u.organisers.length ? u.organisers.map(o => h('div', {}, `${o.name}${o.wechat ? ' ✓' : ''}`)) : h('span', { class: 'muted' }, '暂无组织者账号')))))),
    h('details', {}, h('summary', {}, '修改周期与截止时间'), deadlineForm));
}

export async function summaryPage(params, campaignId, activityId) {
  const [campaigns, a] = await Promise.all([api.summaryCampaigns(), api.summaryActivity(campaignId, activityId)]);
  const campaign = campaigns.find(c => String(c.id) === String(campaignId));
  const s = a.summary;
  const editable = state.me.role !== 'viewer' && (isAdmin() || campaign.open);
  const back = h('p', {}, h('a', { href: `#/summaries?campaign=${campaign.id}` }, `← ${campaign.name}活动总结`));
  const facts = h('p', { class: 'muted' },
    `${a.code} · ${a.timeText} · ${a.venue} · 负责单位：${a.units.join('、')} · 场次 ${a.sessions}，报名 ${a.signups}，签到 ${a.checkins}，到场率 ${percent(a.attendancePercent)}`);
  const photos = s ? s.photos : [];
  const kept = h('div', { class: 'summary-photos', id: 'summary-kept' }, photos.map((p, i) =>
    h('label', { class: 'summary-photo' }, h('img', { src: p.url, alt: `照片 ${i + 1}` }),
      editable ? h('span', {}, h('input', { type: 'checkbox', name: 'keepPhotoIds', value: p.id, checked: true }), ' 保留') : null)));
  if (!editable) {
    view(a.title, back, facts,
      s ? h('div', { class: 'card', id: 'summary-view' },
        h('p', {}, `举办日期：${held(s)}　参与人数：${a.participants ?? '—'}`), h('p', { class: 'summary-text' }, s.text), kept,
        h('p', { class: 'muted' }, `${s.filedBy} 于 ${when(s.filedAt)} 提交${s.updatedAt !== s.filedAt ? `，${s.updatedBy} 于 ${when(s.updatedAt)} 修改` : ''}`))
        : h('p', { class: 'result warn' }, campaign.open ? '尚未提交总结。' : `尚未提交总结，${campaign.name}已于 ${campaign.deadlineText} 截止。`));
    return;
  }

  const dateInput = (name, value) => h('input', { name, type: 'date', required: true, min: campaign.periodFrom, max: campaign.periodTo, value: value || '' });
  const files = h('input', { name: 'photos', type: 'file', id: 'summary-files', multiple: true, accept: 'image/jpeg,image/png' });
  const text = h('textarea', { name: 'text', id: 'summary-text', rows: 8, maxlength: 1000, required: true, placeholder: '活动开展情况、亮点与成效（1000 字以内）' }, s ? s.text : '');
  const counter = h('span', { class: 'muted' });
  const count = () => { counter.textContent = `${text.value.trim().length} / 1000 字`; };
  text.addEventListener('input', count);
  count();
  const form = h('form', { class: 'stack card', id: 'summary-form' },
    h('div', { class: 'fields' },
      field('举办开始日期', dateInput('heldFrom', s ? s.heldFrom : null)),
      field('举办结束日期', dateInput('heldTo', s ? s.heldTo : null)),
      a.participantsCounted
        ? field('参与人数（按签到自动统计）', h('input', { id: 'summary-counted', value: String(a.countedParticipants), disabled: true }))
        : field('参与人数', h('input', { name: 'participants', id: 'summary-participants', type: 'number', min: 0, max: 10000000, required: true,
          value: s && s.participantsEntered !== null ? s.participantsEntered : '' }))),
    field('总结', text), counter,
    photos.length ? h('div', {}, h('span', {}, '已上传的照片（取消勾选即删除）'), kept) : null,
    field(`添加照片（JPG 或 PNG，每张不超过 2 MB，合计最多 ${MAX_PHOTOS} 张）`, files),
    h('button', { type: 'submit' }, s ? '保存修改' : '提交总结'));
  form.addEventListener('submit', guard(async () => {
    const keep = [...form.querySelectorAll('input[name=keepPhotoIds]:checked')].map(c => c.value);
    const chosen = [...files.files];
    if (keep.length + chosen.length > MAX_PHOTOS) { toast(`每份总结最多 ${MAX_PHOTOS} 张照片`); return; }
    const big = chosen.find(f => f.size > MAX_PHOTO_BYTES);
    if (big) { toast(`照片“${big.name}”超过 2 MB，请压缩后再上传`); return; }
    const body = new FormData();
    for (const name of ['heldFrom', 'heldTo', 'participants', 'text']) {
      const el = form.elements[name];
      if (el && !el.disabled) body.append(name, el.value.trim());
    }
    keep.forEach(id => body.append('keepPhotoIds', id));
    chosen.forEach(f => body.append('photos', f, f.name));
    await api.fileSummary(campaign.id, a.id, body);
    toast(s ? '总结已修改' : '总结已提交');
    location.hash = `#/summaries?campaign=${campaign.id}`;
  }));
  view(`${s ? '修改' : '填写'}活动总结：${a.title}`, back, facts,
    h('p', { class: campaign.open ? 'muted' : 'result warn' }, campaign.open ? `请于 ${campaign.deadlineText} 前提交，截止前可修改。` : `已过截止时间（${campaign.deadlineText}），管理员仍可修改。`),
    form);
}

/** The 表彰 evaluation: each unit's figures, then every activity's summary with its photos; laid out for printing. */
export async function awardsPage(params, campaignId) {
  const campaigns = await api.summaryCampaigns();
  const campaign = campaigns.find(c => String(c.id) === String(campaignId));
  if (!campaign) { view('表彰评审材料', h('p', { class: 'error' }, '没有找到该项总结工作。')); return; }
  const [units, rows] = await Promise.all([api.summaryUnits(campaign.id), api.summaryActivities(campaign.id)]);
  const year = campaign.periodFrom.slice(0, 4);
  const filed = rows.filter(r => r.filed);
  view(`${year}年${campaign.name} 表彰评审材料`,
    h('p', { class: 'actions no-print' },
      h('a', { href: `#/summaries?campaign=${campaign.id}` }, `← ${campaign.name}活动总结`),
      h('button', { type: 'button', id: 'awards-print', onclick: () => window.print() }, '打印')),
    h('p', { class: 'muted' }, `统计周期 ${campaign.periodFrom} 至 ${campaign.periodTo}；报送截止 ${campaign.deadlineText}；共 ${rows.length} 项活动，已报送 ${filed.length} 项。`),
    h('section', { class: 'awards' },
      h('h2', {}, '一、各单位组织情况'),
      h('table', { id: 'awards-units' },
        h('tr', {}, ['单位', '负责活动', '已报送', '场次', '报名', '签到', '到场率', '参与人数', '新增关注'].map(t => h('th', {}, t))),
        units.map(u => h('tr', {}, h('td', {}, u.unit), h('td', {}, String(u.activities)), h('td', {}, String(u.filed)),
          h('td', {}, String(u.sessions)), h('td', {}, String(u.signups)), h('td', {}, String(u.checkins)),
          h('td', {}, percent(u.attendancePercent)), h('td', {}, String(u.participants)), h('td', {}, String(u.followersGained))))),
      h('h2', {}, '二、活动总结'),
      filed.map(r => h('article', { class: 'award-activity', 'data-id': r.id },
        h('h3', {}, `${r.code} ${r.title}`),
        h('p', { class: 'muted' }, `负责单位：${r.units.join('、')}　举办日期：${held(r.summary)}　参与人数：${r.participants ?? '—'}　场次 ${r.sessions}，签到 ${r.checkins}`),
        h('p', { class: 'summary-text' }, r.summary.text),
        h('div', { class: 'summary-photos' }, r.summary.photos.map(p => h('img', { src: p.url, alt: '' }))))),
      rows.length > filed.length ? h('div', {}, h('h2', {}, '三、未报送的活动'),
        h('ul', { id: 'awards-missing' }, rows.filter(r => !r.filed).map(r => h('li', {}, `${r.code} ${r.title}（${r.units.join('、')}）`)))) : null));
}
