import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';

export function requestsPages(_ctx: AppContext): Router {
  return Router();
}
