import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';

export function overviewPages(_ctx: AppContext): Router {
  return Router();
}
