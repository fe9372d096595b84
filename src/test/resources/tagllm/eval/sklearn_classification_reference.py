# scikit-learn 1.2.1 (Debian python3-sklearn), reference values for ClassificationMetricsTest
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score, accuracy_score, balanced_accuracy_score, f1_score, log_loss
y = [1,0,1,1,0,0,1,0,1,1,0,1]
p = [0.9,0.3,0.6,0.6,0.6,0.1,0.45,0.45,0.8,0.3,0.2,0.99]
pred = [1 if x > 0.5 else 0 for x in p]
print("bin", repr(roc_auc_score(y,p)), repr(average_precision_score(y,p)), repr(accuracy_score(y,pred)), repr(balanced_accuracy_score(y,pred)), repr(f1_score(y,pred)), repr(log_loss(y,p)))
Y = [0,2,1,1,0,2,2,1,0]
P = np.array([[.5,.3,.2],[.1,.2,.7],[.2,.5,.3],[.4,.4,.2],[.3,.3,.4],[.2,.2,.6],[.3,.4,.3],[.1,.8,.1],[.6,.2,.2]])
pr = P.argmax(1)
print("multi", repr(roc_auc_score(Y,P,multi_class='ovr',average='macro')), repr(accuracy_score(Y,pr)), repr(balanced_accuracy_score(Y,pr)), repr(f1_score(Y,pr,average='macro')), repr(log_loss(Y,P)))
Yb = np.eye(3)[Y]
print("multi_ap", repr(average_precision_score(Yb, P, average='macro')))
