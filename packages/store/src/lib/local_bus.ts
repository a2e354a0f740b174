import { EventEmitter } from 'node:events'
import type { Unsubscribe } from '../types.ts'
import { checkName } from './check_args.ts'

/** In-process fan-out shared by the backends: each delivers remote messages into one of these. */
export function localBus() {
  const emitter = new EventEmitter().setMaxListeners(0)
  return {
    emit(channel: string, message: string): void {
      emitter.emit(channel, message)
    },
    subscribe(channel: string, listener: (message: string) => void): Unsubscribe {
      checkName('channel', channel)
      emitter.on(channel, listener)
      return async () => {
        emitter.off(channel, listener)
      }
    },
    listenerCount(channel: string): number {
      return emitter.listenerCount(channel)
    },
    clear(): void {
      emitter.removeAllListeners()
    },
  }
}
