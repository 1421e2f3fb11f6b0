/**
 * Offsets and sizes only: where each field of an object, a type object and a built-in payload lives,
 * drawn as a table in each class. No behaviour; everything else reads its offsets from here.
 */
package org.refheap.layout;
