import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';

export function simulatePages(_ctx: AppContext): Router {
  return Router();
}
