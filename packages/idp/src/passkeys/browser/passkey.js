// The IdP's one script, served from /assets/passkey.js after @simplewebauthn/browser's bundle
// (CSP: script-src 'self'). It brings passkey sign-in and enrolment to the forms that ask for
// it (`form[data-passkey]`, hidden until then): without script or without WebAuthn they stay
// hidden and every other form works as it is.
;(() => {
  const webauthn = globalThis.SimpleWebAuthnBrowser
  if (!webauthn?.browserSupportsWebAuthn()) return
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const button = form.querySelector('button[data-options]')
    const status = form.querySelector('[data-status]')
    if (!button || !status) continue
    form.hidden = false
    const fail = (message) => {
      status.textContent = message
      status.hidden = false
      button.disabled = false
    }
    button.addEventListener('click', async () => {
      if (!form.reportValidity()) return
      button.disabled = true
      status.hidden = true
      let optionsJSON
      try {
        const answer = await fetch(button.dataset.options, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: form.elements.csrf.value }),
          credentials: 'same-origin',
        })
        if (!answer.ok) return fail((await answer.json()).message ?? 'Please reload the page.')
        optionsJSON = await answer.json()
      } catch {
        return fail('The server could not be reached. Try again.')
      }
      try {
        const credential =
          form.dataset.passkey === 'register'
            ? await webauthn.startRegistration({ optionsJSON })
            : await webauthn.startAuthentication({ optionsJSON })
        form.elements.credential.value = JSON.stringify(credential)
        form.submit()
      } catch {
        fail('No passkey was used. Try again, or use another way.')
      }
    })
  }
})()
