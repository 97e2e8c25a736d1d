// Add/edit form for one child, used on the sign-up page and on "我的". It only validates and emits
// `save` with the API's Child fields; the page does the saving because it knows whether consent exists.
const { GRADES } = require('../../utils/view')

function emptyForm() {
  return { name: '', school: '', mode: 'grade', gradeIndex: -1, birthYearMonth: '', gender: '' }
}

Component({
  options: { addGlobalClass: true },
  properties: {
    child: { type: Object, value: null },
    submitText: { type: String, value: '保存' }
  },
  data: { grades: GRADES, form: emptyForm(), gradeText: '请选择', gradeValue: 0, error: '' },
  observers: {
    // Computed here because the template compiler of the test simulator cannot parse "<" in {{ }}.
    'form.gradeIndex'(index) {
      this.setData({ gradeText: index >= 0 ? GRADES[index] : '请选择', gradeValue: Math.max(index, 0) })
    },
    child(child) {
      if (!child) {
        this.setData({ form: emptyForm(), error: '' })
        return
      }
      this.setData({
        error: '',
        form: {
          name: child.name || '',
          school: child.school || '',
          mode: child.grade || !child.birthYearMonth ? 'grade' : 'birth',
          gradeIndex: GRADES.indexOf(child.grade),
          birthYearMonth: child.birthYearMonth || '',
          gender: child.gender || ''
        }
      })
    }
  },
  methods: {
    onInput(e) {
      this.setData({ ['form.' + e.currentTarget.dataset.field]: e.detail.value })
    },
    onMode(e) {
      this.setData({ 'form.mode': e.detail.value })
    },
    onGrade(e) {
      this.setData({ 'form.gradeIndex': Number(e.detail.value) })
    },
    onBirth(e) {
      // The date picker in "month" mode answers "2015-06"; that is exactly the API's birthYearMonth.
      this.setData({ 'form.birthYearMonth': e.detail.value })
    },
    onGender(e) {
      this.setData({ 'form.gender': e.detail.value })
    },
    validate(form) {
      if (!form.name.trim()) return '请填写孩子姓名'
      if (form.name.trim().length > 20) return '孩子姓名不能超过 20 个字'
      if (form.mode === 'grade' && form.gradeIndex < 0) return '请选择年级'
      if (form.mode === 'birth' && !/^\d{4}-\d{2}$/.test(form.birthYearMonth)) return '请选择出生年月'
      if (!form.school.trim()) return '请填写学校或幼儿园'
      return ''
    },
    submit() {
      const form = this.data.form
      const error = this.validate(form)
      this.setData({ error })
      if (error) return
      // Only one of grade / birthYearMonth is sent: the minimum the session's range check needs.
      this.triggerEvent('save', {
        name: form.name.trim(),
        grade: form.mode === 'grade' ? GRADES[form.gradeIndex] : null,
        birthYearMonth: form.mode === 'birth' ? form.birthYearMonth : null,
        school: form.school.trim(),
        gender: form.gender || null
      })
    },
    cancel() {
      this.triggerEvent('cancel')
    }
  }
})
