# Flags are module globals, set by the run (Guild's FLAGS_DEST=globals).
lr = 0.1
epochs = 5
optimizer = "sgd"

speed = 1.5 if optimizer == "adam" else 1.0
loss = 1.0
for step in range(1, epochs + 1):
    loss = round(loss * (1 - min(0.9, lr * speed * 3)), 4)
    print("step: %i" % step)
    print("loss: %s" % loss)
    print("acc: %s" % round(1 - loss / 2, 4))
