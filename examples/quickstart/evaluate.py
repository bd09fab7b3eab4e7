threshold = 0.5

acc = round(0.95 - abs(threshold - 0.5) / 2, 4)
print("acc: %s" % acc)
