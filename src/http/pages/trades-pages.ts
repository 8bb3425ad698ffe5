import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';

export function tradesPages(_ctx: AppContext): Router {
  return Router();
}
