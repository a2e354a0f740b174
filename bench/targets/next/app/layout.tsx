import type { ReactNode } from 'react'

// No auth() here: the layout is the same for both pages, so they differ by auth() alone.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
