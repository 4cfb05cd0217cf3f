"""The merging layers with masks, as Keras 3 computes them (its code, written with
``lstm_np.ops`` so the tape differentiates it): Multiply treats a masked entry as 1, Maximum and
Minimum as the value merged so far (they have no identity element)."""
from .. import ops


def multiply(inputs, masks):
    """Keras 3's Multiply._merge_function with masks: a masked entry counts as 1; where every
    input is masked, 0."""
    has_output_mask = all(mask is not None for mask in masks)
    output = None
    output_mask = None
    for x, mask in zip(inputs, masks):
        if mask is not None:
            mask = ops.broadcast_to(ops.expand_dims(mask, -1), ops.shape(x))
            x = ops.where(mask, x, ops.cast(1, x.dtype))              # 1 outside the mask
            if has_output_mask:
                output_mask = mask if output_mask is None else ops.logical_or(output_mask, mask)
        output = x if output is None else ops.multiply(output, x)
    if has_output_mask:
        output = ops.where(output_mask, output, ops.cast(0, output.dtype))
    return output


def op_and_or_mask(op_fn, inputs, masks):
    """Keras 3's Merge._apply_merge_op_and_or_mask (Maximum, Minimum: no identity element): a
    masked entry takes the value merged so far."""
    output = None
    output_mask = None
    for x, mask in zip(inputs, masks):
        if mask is not None:
            mask = ops.broadcast_to(ops.expand_dims(mask, -1), ops.shape(x))
        if output is None:
            output = x
            output_mask = mask
            continue
        if mask is not None:
            x = ops.where(mask, x, output)
        if output_mask is not None:
            output = ops.where(output_mask, output, x)
        if mask is not None and output_mask is not None:
            output_mask = ops.logical_or(output_mask, mask)
        else:
            output_mask = None
        output = op_fn(output, x)
    return output
