import { deliveryFailureReason } from './delivery-failure-reason';
import { DeliveryError } from './teams-gateway';

describe('deliveryFailureReason', () => {
  it('keeps the status and fixed words, never the SDK message (which can echo the card or a token)', () => {
    const echo = new DeliveryError('Bad request: {"text":"I will not share pupil data"} Authorization: Bearer eyJ0eXAi', 400);
    expect(deliveryFailureReason(echo)).toBe('400: Teams refused the card as invalid');
    expect(deliveryFailureReason(new DeliveryError('upstream said: I will not share pupil data', 502))).toBe('502: Teams had a server error');
    expect(deliveryFailureReason(new DeliveryError('connect ECONNREFUSED 127.0.0.1:3000'))).toBe('network: Teams could not be reached');
    expect(deliveryFailureReason(new DeliveryError('teapot', 418))).toBe('418: Teams refused the call');
  });
});
