// What other areas may use from anonymization: re-encrypting its keys and outputs (key rotation).
export { rotateAnonymizedOutputs } from './pseudonym-keys';
