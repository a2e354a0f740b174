import { createLatchkey } from '@latchkey/server'
import { latchkey, requireAuth } from '@latchkey/server/express'
import express from 'express'
import { listenWithSettings } from './settings.js'

// Express 5 as its README shows it: the middleware first, then guarded routes. With
// STATIC_DIR it also serves a built single-page app on the same origin.
const { server, options, ready } = await listenWithSettings()
const auth = createLatchkey(options)
const app = express()
app.use(latchkey(auth))
app.get('/api/me', requireAuth(auth), (req, res) => {
  res.json({ sub: req.auth.sub, roles: req.auth.roles, via: 'express' })
})
if (process.env.STATIC_DIR) app.use(express.static(process.env.STATIC_DIR))
server.on('request', app)
ready()
