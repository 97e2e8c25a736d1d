import * as api from '../api.js';
import { h, view, when, field, formValues, guard, toast, route, ROLES } from '../lib.js';

export async function staffPage() {
  const [rows, units] = await Promise.all([api.listStaff(), api.listUnits()]);
  // Units are chosen, never typed: an organiser sees the activities naming their unit exactly as the plan spells it.
  const unitSelect = h('select', { name: 'unit', id: 'staff-unit' }, h('option', { value: '' }, '（无）'),
    units.map(u => h('option', { value: u.name }, u.activities ? `${u.name}（${u.activities} 项活动）` : `${u.name}（管理员添加）`)));
  const unitForm = h('form', { class: 'inline card', id: 'unit-form' },
    field('列表中没有的单位', h('input', { name: 'name', required: true, maxlength: 60, placeholder: '单位全称，与活动方案一致' })),
    h('button', { type: 'submit', class: 'ghost' }, '添加单位'));
  unitForm.addEventListener('submit', guard(async () => {
    const v = formValues(unitForm);
    await api.addUnit(v.name);
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
    await api.createStaff({ ...v, unit: v.unit || null, openid: v.openid || null });
    toast('已添加');
    route();
  }));
  view('工作人员', form, unitForm, h('div', { class: 'table-wrap' }, h('table', { id: 'staff' },
    h('tr', {}, h('th', {}, '用户名'), h('th', {}, '姓名'), h('th', {}, '角色'), h('th', {}, '单位'), h('th', {}, '最近登录'), h('th', {}, '状态')),
    rows.map(s => h('tr', {}, h('td', {}, s.username), h('td', {}, s.displayName), h('td', {}, ROLES[s.role]), h('td', {}, s.unit || ''),
      h('td', {}, when(s.lastLoginAt)), h('td', {}, s.disabled ? '已停用' : s.lockedUntil && Date.parse(s.lockedUntil) > Date.now() ? '锁定中' : '正常'))))));
}
