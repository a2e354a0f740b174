import { LatchkeyProvider } from '@latchkey/next/client'
import type { ReactNode } from 'react'
import { auth, ORIGIN } from '../lib/latchkey.ts'
import { ClientStatus } from './client_status.tsx'

export const metadata = { title: 'Acme Next' }

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The session the server verified goes to the client components as it is: no token in it.
  const session = await auth()
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem auto', maxWidth: 720 }}>
        <LatchkeyProvider session={session} origin={ORIGIN}>
          <header style={{ display: 'flex', gap: '1rem', alignItems: 'baseline' }}>
            <strong>Acme Next</strong>
            <a href="/">Home</a>
            <a href="/sessions">My sessions</a>
            <a href="/admin">Admin</a>
            <ClientStatus />
          </header>
          <main>{children}</main>
        </LatchkeyProvider>
      </body>
    </html>
  )
}
