import { useEffect, useState } from 'react'
import type { AppInfo } from '../../../shared/api'
import { call } from './api'

let cached: Promise<AppInfo | null> | null = null

/** app.info, asked once and shared (a failed answer is asked again next time); null when it fails. */
export function appInfo(): Promise<AppInfo | null> {
  cached ??= call('app.info', {}).then(
    (i) => i,
    () => {
      cached = null
      return null
    },
  )
  return cached
}

/** app.info for a component: null until it arrives (or when it cannot be had). */
export function useAppInfo(): AppInfo | null {
  const [info, setInfo] = useState<AppInfo | null>(null)
  useEffect(() => {
    let live = true
    void appInfo().then((i) => live && setInfo(i))
    return () => {
      live = false
    }
  }, [])
  return info
}
