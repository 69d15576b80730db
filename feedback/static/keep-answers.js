// Keeps the answers on the current survey page in this tab's storage, so that a reload, a crash of the
// browser tab or a lost signal before "Continue" does not lose them. The server keeps every page that
// was sent; this covers the page being typed. It lasts as long as the tab.
const form = document.querySelector('form[data-module="app-keep-answers"]')

if (form && window.sessionStorage) {
  const key = `feedback-loop:${form.dataset.keepKey}`
  const fields = () => Array.from(form.elements).filter((el) => el.name && el.name !== 'csrf_token' && el.type !== 'submit')

  const save = () => {
    const values = {}
    for (const el of fields()) {
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (el.checked) (values[el.name] = values[el.name] || []).push(el.value)
      } else {
        values[el.name] = [el.value]
      }
    }
    try { sessionStorage.setItem(key, JSON.stringify(values)) } catch (e) { /* storage full or blocked */ }
  }

  const restore = () => {
    let values
    try { values = JSON.parse(sessionStorage.getItem(key) || 'null') } catch (e) { values = null }
    if (!values) return
    // What the server sent back wins: only fill what is still empty.
    for (const el of fields()) {
      const wanted = values[el.name]
      if (!wanted) continue
      if (el.type === 'radio' || el.type === 'checkbox') {
        const groupAnswered = fields().some((other) => other.name === el.name && other.checked)
        if (!groupAnswered && wanted.includes(el.value)) el.checked = true
      } else if (!el.value) {
        el.value = wanted[0]
        el.dispatchEvent(new Event('input', { bubbles: true }))
      }
    }
  }

  restore()
  form.addEventListener('input', save)
  form.addEventListener('change', save)
  form.dataset.keepAnswersReady = 'true'
}
