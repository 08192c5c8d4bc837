/* Layer-wise learning-rate decay for stacked encoders (as ELECTRA and the
 * BERT fine-tuning literature use it): the classifier and pooler keep the full
 * rate, the top layer decay times it, each layer below decay once more, and
 * the embeddings decay^(layers + 1). A pretrained encoder's lower layers then
 * move less, so a short, high-rate fine-tuning keeps what pretraining put
 * there. Depth is read from Hugging Face's names ("....layer.N.", "...embeddings..."),
 * the same names the checkpoint files carry. */
#ifndef SENTUI_LAYER_LR_H
#define SENTUI_LAYER_LR_H

#include "nn/params.h"

/* One scale per view of p into scale[p->n]. decay 1 gives all ones. */
void layer_lr_scales(const Params *p, double decay, float *scale);

#endif
