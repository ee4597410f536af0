/** Did-you-mean lives in core (the scenario language and the error-map parser share it). */
export { editDistance, suggestions, didYouMean } from '../core/suggest.js';
